package dev.sinter.trainers.kd;

import dev.sinter.trainers.kd.KdSettings;
import dev.sinter.trainers.kd.KdStage;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.train.TrainableModel;
import dev.sinter.models.ModelIO;
import dev.sinter.models.family.FamilyModel;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Knowledge distillation (papers.md §3.3): a frozen teacher, run as its own graph on the student's inputs, feeds
 * its logits to the student's {@link KdLoss}. The stage schedule decides the KD weight and temperature per step; in
 * a stage with weight 0 the teacher is not run at all (its logits placeholder gets zeros and a zero coefficient) and
 * those steps log no {@code kd_loss}.
 */
public class KdTrainer implements Trainer {
    private static final Logger LOG = LogManager.getLogger(KdTrainer.class);
    private final String type;
    private final KdSettings settings;
    private TransformerModel teacher;
    private long teacherPasses;

    public KdTrainer(String type, KdSettings settings) {
        this.type = type;
        this.settings = settings;
    }

    @Override
    public String type() {
        return type;
    }

    /** The frozen teacher (loaded on first use). */
    public TransformerModel teacher() {
        if (teacher == null) {
            try {
                teacher = ModelIO.load(Path.of(settings.teacher()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load the teacher " + settings.teacher() + ": " + e.getMessage(), e);
            }
        }
        return teacher;
    }

    @Override
    public TrainableModel trainable(FamilyModel model) {
        TransformerModel student = decoder(model);
        int v = student.config().vocabSize();
        if (teacher().config().vocabSize() != v) {
            throw new UsageException("teacher " + settings.teacher() + " has a vocabulary of "
                    + teacher().config().vocabSize() + " but the student has " + v
                    + "; distillation needs the same tokenizer and vocab_size on both sides");
        }
        if (student.graph().getVariable(KdLoss.TOTAL) == null) {
            KdLoss.attach(student.graph(), student.graph().reshape(student.graph().getVariable(TransformerModel.LOGITS),
                    -1, v), student.graph().getVariable(student.lossName()), v, student.dataType());
        }
        LOG.info("{}: teacher {} ({} parameters), stages {}", type, settings.teacher(), teacher().parameterCount(),
                settings.stages());
        return new KdModel(student);
    }

    @Override
    public List<String> trainableParameters(TrainableModel model) {
        return model.parameterNames();
    }

    @Override
    public void addPlaceholders(long step, int micro, boolean training, Map<String, INDArray> ph) {
        INDArray ids = ph.get(TransformerModel.INPUT_IDS); // [B, T]
        int v = teacher().config().vocabSize();
        KdStage stage = settings.stageAt(step);
        double w = training ? stage.kdWeight() : 0;
        double t = stage.temperature() != null ? stage.temperature() : settings.temperature();
        DataType dt = ph.containsKey(TransformerModel.ATTENTION_BIAS) ? ph.get(TransformerModel.ATTENTION_BIAS).dataType()
                : DataType.FLOAT;
        INDArray teacherLogits;
        if (w > 0) {
            teacherLogits = teacher().transientLogits(ids.toIntMatrix()).reshape(-1, v).castTo(dt); // valid until its next pass
            teacherPasses++;
        } else {
            teacherLogits = Nd4j.zeros(dt, ids.length(), v);
        }
        double ceCoef = settings.alpha() == null ? 1 : 1 - settings.alpha() * w;
        double kdCoef = settings.alpha() == null ? settings.beta() * w : settings.alpha() * w;
        ph.put(KdLoss.TEACHER_LOGITS, teacherLogits);
        ph.put(KdLoss.TEMPERATURE, Nd4j.scalar(dt, t));
        ph.put(KdLoss.CE_COEF, Nd4j.scalar(dt, ceCoef));
        ph.put(KdLoss.KD_COEF, Nd4j.scalar(dt, kdCoef));
        ph.put(KdLoss.TEACHER_ON, Nd4j.scalar(dt, w > 0 ? 1 : 0));
    }

    @Override
    public Map<String, String> stateExtras(long step) {
        return Map.of("kd_stage", String.valueOf(settings.stageIndex(step)));
    }

    /** The decoder student (the trainer type registers for the decoder family only, so config binding refuses others). */
    static TransformerModel decoder(FamilyModel model) {
        if (!(model instanceof TransformerModel student)) {
            throw new IllegalArgumentException("distillation trains only decoder models, got a " + model.family().name());
        }
        return student;
    }

    /** Teacher forward passes so far (tests check that a KD-off stage never runs it). */
    public long teacherPasses() {
        return teacherPasses;
    }
}
