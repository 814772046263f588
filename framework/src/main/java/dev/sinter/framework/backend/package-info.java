/** ND4J's compute backend (CPU or CUDA) and every setting that depends on it, behind one class. */
package dev.sinter.framework.backend;
