/**
 * SameDiff runtime setup and repaired ops: the gather gradient fix, and silencing ND4J's console chatter.
 */
package dev.sinter.framework.samediff;
