/** Small cross-cutting helpers: run provenance. */
package dev.sinter.framework.util;
