/**
 * Model families: the seam through which trainers work on any trainable model ({@link
 * dev.sinter.models.family.FamilyModel}), the registry of families ({@link dev.sinter.models.family.ModelFamily})
 * and the role map of their projections ({@link dev.sinter.models.family.Projection}).
 */
package dev.sinter.models.family;
