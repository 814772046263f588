/** The {@code sinter} command line (picocli): train, generate, validate, ls. */
package dev.sinter.cli;
