package dev.sinter.trainers;

import dev.sinter.framework.checkpoint.Checkpoint;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.train.ModelGradients;
import dev.sinter.framework.train.StepGradients;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.models.family.FamilyModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One data-parallel worker's copy of a run's model in one {@link Phase}: built from the run's config and a seed
 * checkpoint ({@link ReplicaSource#seedFiles}) as {@link TrainingRun} resumes a run, so it has the same graph,
 * trainable variables and trainer placeholders as the driver's loop. Each step it takes the current values of the
 * trainable variables and returns the summed gradients of its micro-batches.
 */
public final class Replica {
    private final TrainableModel model;
    private final List<String> trainable;
    private final ModelGradients gradients;

    private Replica(TrainableModel model, List<String> trainable, ModelGradients gradients) {
        this.model = model;
        this.trainable = trainable;
        this.gradients = gradients;
    }

    /** Builds the replica: the run's task and trainer, a fresh model, resumed from the seed checkpoint's files. */
    public static Replica build(RunConfig config, Map<String, byte[]> seedFiles) throws IOException {
        Path dir = Files.createTempDirectory("sinter-replica");
        try {
            for (Map.Entry<String, byte[]> f : seedFiles.entrySet()) {
                Files.write(dir.resolve(f.getKey()), f.getValue());
            }
            Checkpoint cp = CheckpointManager.read(dir);
            Trainer trainer = Trainer.of(config);
            FamilyModel model = TrainingRun.openTask(config).buildModel(trainer);
            model = trainer.resume(model, cp); // the model of the phase the seed's step lies in
            TrainableModel trainable = trainer.trainable(model);
            List<String> names = List.copyOf(trainer.trainableParameters(trainable));
            return new Replica(trainable, names, new ModelGradients(trainable, trainer));
        } finally {
            deleteQuietly(dir);
        }
    }

    /** The trainable variables, in the order the driver's loop uses. */
    public List<String> trainable() {
        return trainable;
    }

    /** Sets a trainable variable to the driver's current values ({@code values} in the array's C order). */
    public void assign(String name, float[] values) {
        INDArray arr = model.graph().getVariable(name).getArr();
        if (arr.length() != values.length) {
            throw new IllegalArgumentException("replica variable " + name + " has " + arr.length()
                    + " elements, the driver sent " + values.length);
        }
        arr.assign(org.nd4j.linalg.factory.Nd4j.createFromArray(values).reshape(arr.shape()));
    }

    /** The sums of this replica's micro-batches of {@code step}, the first being micro-batch {@code firstMicro}. */
    public StepGradients.Sums compute(long step, List<int[][]> microBatches, int firstMicro) {
        return gradients.compute(step, microBatches, firstMicro, trainable);
    }

    static void deleteQuietly(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
