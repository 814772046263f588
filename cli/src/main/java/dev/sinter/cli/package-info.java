/**
 * The {@code sinter} command line (picocli, root {@link dev.sinter.cli.SinterCommand}): train, sweep, prepare,
 * generate, eval, validate, ls, merge, export, report, analyze, quantize; and {@link dev.sinter.cli.Sinter}, the Java
 * facade those commands call (train, sweep, evaluate, analyse, report).
 */
package dev.sinter.cli;
