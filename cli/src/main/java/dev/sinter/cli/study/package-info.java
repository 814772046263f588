/**
 * {@code sinter study STUDY.yaml}: a paper's study as one file. {@link dev.sinter.cli.study.StudyFile} states the
 * stages (each a normal Sinter run, sweep, evaluation or analysis, referring to earlier stages' outputs by
 * {@link dev.sinter.cli.study.StageRef}), the seeds, the metrics and the claims; {@link dev.sinter.cli.study.StudyPlan}
 * resolves and validates all of it before any work; {@link dev.sinter.cli.study.StudyRunner} runs it, resuming at the
 * first incomplete stage; {@link dev.sinter.cli.study.StudyReport} puts each claim next to the numbers and a
 * {@link dev.sinter.cli.study.Verdict}.
 */
package dev.sinter.cli.study;
