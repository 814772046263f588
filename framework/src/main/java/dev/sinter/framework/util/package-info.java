/** Small cross-cutting helpers: run provenance, test-only fault injection. */
package dev.sinter.framework.util;
