/** Model loading from llama2.c files, checkpoints and run directories. */
package dev.sinter.models;
