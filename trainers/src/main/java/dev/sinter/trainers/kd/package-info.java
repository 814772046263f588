/** Knowledge distillation: the KD loss terms, staged schedules, and the KD trainer. */
package dev.sinter.trainers.kd;
