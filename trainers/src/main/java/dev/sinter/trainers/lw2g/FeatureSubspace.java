package dev.sinter.trainers.lw2g;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A GPM-style memory of the feature space one prompt layer has seen (papers.md §4.1): an orthonormal basis
 * {@code U} [D, r] of the directions that carry a fraction {@code threshold} of the features' energy, grown task by
 * task, and the projections of gradient rows onto it. Follows the authors' {@code update_memory_prefix}: the SVD is
 * taken of the Gram matrix {@code R·Rᵀ} of the representation {@code R} [D, n] (its singular values are R's squared),
 * and the energy of a direction is the square of that singular value; a first basis keeps the leading directions
 * whose cumulative energy stays strictly below the threshold (so even at threshold 1 the weakest direction is left
 * out); an update adds the leading directions of the part of
 * the new Gram matrix outside the basis until the energy already explained plus the added reaches the threshold, and
 * is capped at D columns. All arithmetic is in float64.
 */
public final class FeatureSubspace {
    private final INDArray basis; // [D, r], orthonormal columns, float64

    private FeatureSubspace(INDArray basis) {
        this.basis = basis;
    }

    /** The empty subspace of a {@code dim}-dimensional feature space (projections are zero). */
    public static FeatureSubspace empty(int dim) {
        return new FeatureSubspace(Nd4j.zeros(DataType.DOUBLE, dim, 0));
    }

    /** A subspace from a stored basis [D, r] with orthonormal columns (a checkpoint). */
    public static FeatureSubspace ofBasis(INDArray basis) {
        if (basis.rank() != 2 || basis.columns() > basis.rows()) {
            throw new IllegalArgumentException("a basis must be [D, r] with r <= D, got " + java.util.Arrays.toString(
                    basis.shape()));
        }
        return new FeatureSubspace(basis.castTo(DataType.DOUBLE).dup());
    }

    /** The first basis of the features {@code representation} [D, n] (columns are feature vectors). */
    public static FeatureSubspace fromFeatures(INDArray representation, double threshold) {
        return empty((int) representation.rows()).update(representation, threshold);
    }

    /**
     * This memory after seeing {@code representation} [D, n]: the directions the basis misses are added until the
     * explained energy reaches {@code threshold} (in (0, 1]).
     */
    public FeatureSubspace update(INDArray representation, double threshold) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
        }
        int dim = dim();
        if (representation.rank() != 2 || representation.rows() != dim) {
            throw new IllegalArgumentException("representation must be [" + dim + ", n], got "
                    + java.util.Arrays.toString(representation.shape()));
        }
        INDArray r = representation.castTo(DataType.DOUBLE);
        INDArray gram = r.mmul(r.transpose()); // [D, D]
        Svd.Result full = Svd.of(gram);
        double total = full.energy().sumNumber().doubleValue();
        if (total == 0) {
            return this;
        }
        if (rank() == 0) {
            INDArray ratio = full.energy().div(total);
            int keep = 0;
            double cumulative = 0;
            for (int i = 0; i < ratio.length(); i++) {
                cumulative += ratio.getDouble(i);
                if (cumulative < threshold) {
                    keep++;
                } else {
                    break;
                }
            }
            return new FeatureSubspace(columns(full.u(), keep));
        }
        INDArray outside = gram.sub(basis.mmul(basis.transpose()).mmul(gram)); // [D, D]
        Svd.Result rest = Svd.of(outside);
        double explained = (total - rest.energy().sumNumber().doubleValue()) / total;
        int add = 0;
        for (int i = 0; i < rest.energy().length() && explained < threshold; i++) {
            explained += rest.energy().getDouble(i) / total;
            add++;
        }
        if (add == 0) {
            return this;
        }
        INDArray grown = Nd4j.hstack(basis, columns(rest.u(), add));
        return new FeatureSubspace(grown.columns() > dim ? columns(grown, dim) : grown);
    }

    /** The basis [D, r] (a copy). */
    public INDArray basis() {
        return basis.dup();
    }

    public int rank() {
        return (int) basis.columns();
    }

    public int dim() {
        return (int) basis.rows();
    }

    /** The projection of each row of {@code rows} [m, D] onto the subspace: {@code rows·U·Uᵀ} [m, D] (float64). */
    public INDArray project(INDArray rows) {
        INDArray g = rows.castTo(DataType.DOUBLE);
        if (rank() == 0) {
            return Nd4j.zeros(DataType.DOUBLE, g.shape());
        }
        return g.mmul(basis).mmul(basis.transpose());
    }

    /**
     * {@code rows − strength·project(rows)} in the rows' data type: {@code strength} 1 keeps only the part
     * orthogonal to the subspace (GPM's hard constraint), 0.1 is LW2G's soft CPK term.
     */
    public INDArray removeFrom(INDArray rows, double strength) {
        INDArray out = rows.castTo(DataType.DOUBLE).sub(project(rows).muli(strength));
        return out.castTo(rows.dataType());
    }

    /**
     * The authors' {@code row_cosine_similarity_sum}: |Σ_i cos(row_i, projection_i)| / m over the rows of
     * {@code rows} [m, D]; a zero row or a zero projection counts as cosine 0.
     */
    public double meanCosine(INDArray rows) {
        INDArray g = rows.castTo(DataType.DOUBLE);
        INDArray p = project(g);
        double sum = 0;
        for (int i = 0; i < g.rows(); i++) {
            INDArray a = g.getRow(i);
            INDArray b = p.getRow(i);
            double na = a.norm2Number().doubleValue();
            double nb = b.norm2Number().doubleValue();
            sum += na == 0 || nb == 0 ? 0 : a.mul(b).sumNumber().doubleValue() / (na * nb);
        }
        return Math.abs(sum / g.rows());
    }

    private static INDArray columns(INDArray m, int count) {
        return m.get(NDArrayIndex.all(), NDArrayIndex.interval(0, count)).dup();
    }

    /**
     * The left singular vectors and squared singular values of a square float64 matrix, by commons-math's
     * Golub–Kahan SVD in plain Java. ND4J M2.1 is no use here: its svd op fails above 16 rows on its divide-and-conquer
     * path and takes minutes at D = 384 on its Jacobi path, and the LAPACK syev/gesvd it binds return singular
     * vectors that are not orthonormal from about 200 rows on (measured: max |UᵀU − I| 0.2–0.4 at D = 200, 384).
     */
    private static final class Svd {
        record Result(INDArray u, INDArray energy) {
        }

        static Result of(INDArray square) {
            var svd = new org.apache.commons.math3.linear.SingularValueDecomposition(
                    new org.apache.commons.math3.linear.Array2DRowRealMatrix(square.toDoubleMatrix(), false));
            double[] s = svd.getSingularValues(); // descending
            double[] energy = new double[s.length];
            for (int i = 0; i < s.length; i++) {
                energy[i] = s[i] * s[i];
            }
            return new Result(Nd4j.createFromArray(svd.getU().getData()), Nd4j.createFromArray(energy));
        }
    }
}
