/** What the HTML reports share: {@link dev.sinter.framework.report.HtmlPage}, a small escaping page builder. */
package dev.sinter.framework.report;
