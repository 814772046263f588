/** Human-readable reports (HTML with plots, plus JSON) of training runs. */
package dev.sinter.eval.report;
