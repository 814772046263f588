/** Importer for Karpathy's llama2.c checkpoints (legacy v0 format). */
package dev.sinter.models.llama2c;
