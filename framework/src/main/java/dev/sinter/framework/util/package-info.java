/** Small cross-cutting helpers: the shared JSON mapper, run provenance, test-only fault injection. */
package dev.sinter.framework.util;
