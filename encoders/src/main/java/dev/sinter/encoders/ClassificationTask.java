package dev.sinter.encoders;

import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.train.MetricsJsonl;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.framework.util.Provenance;
import dev.sinter.models.family.FamilyModel;
import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.Trainer;
import dev.sinter.trainers.TrainingTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Classification fine-tuning of a pretrained encoder ({@code task: {type: classification}}): the examples are
 * tokenised once, train then validation rows of one batch fed to the {@link BertEncoder}; the loop's windows are
 * example indices (training windows over the train rows, one validation window per validation row), so shuffling,
 * epochs, checkpoints and resume are the engine's. Validation adds accuracy and macro-F1 to {@code metrics.jsonl};
 * the run ends by saving the classifier ({@link SavedClassifier}, under {@code classifier/}). The encoder comes from
 * {@code model.from: "encoder:<reference>"} ({@link EncoderSource}).
 */
final class ClassificationTask implements TrainingTask {
    private static final String TOKENIZER_FILE = EncoderSource.TOKENIZER_FILE;

    private final ClassificationTaskConfig task;
    private final RunConfig run;
    private final EncoderSource base;
    private final ImportedEncoder weights;
    private final TextClassificationData data;
    private final EncodedBatch examples; // [train rows, then validation rows]
    private final int[] labels;
    private final Map<String, Object> facts = new LinkedHashMap<>();

    private ClassificationTask(ClassificationTaskConfig task, RunConfig run) throws IOException {
        this.task = task;
        this.run = run;
        this.base = EncoderSource.of(run.model().reference());
        this.weights = base.weights();
        if (task.maxLength() > weights.config().maxPositions()) {
            throw new UsageException("task.max_length " + task.maxLength() + " exceeds the " + base.id()
                    + " position table of " + weights.config().maxPositions() + "; lower task.max_length");
        }
        this.data = TextClassificationData.of(task, run.seed());
        List<TextClassificationData.Item> all = new ArrayList<>(data.train());
        all.addAll(data.test());
        try (EncoderTokenizer tokenizer = base.tokenizer()) {
            this.examples = TextClassificationData.encode(tokenizer, all, task.maxLength());
        }
        this.labels = all.stream().mapToInt(TextClassificationData.Item::label).toArray();
        facts.put("train_data", task.train());
        facts.put("train_data_sha256", Provenance.sha256(Files.readString(Path.of(task.train()))));
        if (task.validation() != null) {
            facts.put("validation_data", task.validation());
            facts.put("validation_data_sha256", Provenance.sha256(Files.readString(Path.of(task.validation()))));
        }
        facts.put("train_examples", data.train().size());
        facts.put("validation_examples", data.test().size());
        facts.put("classes", data.classes());
        facts.put("encoder", base.id() + " (" + base.artifact() + ")");
    }

    /** Reads and tokenises the task's examples and loads the pretrained encoder named by {@code model.from}. */
    static ClassificationTask open(ClassificationTaskConfig task, RunConfig run) throws IOException {
        return new ClassificationTask(task, run);
    }

    @Override
    public Map<String, Object> provenance() {
        return facts;
    }

    /** Example counts, classes and the encoder. */
    @Override
    public String describe() {
        return data.train().size() + " train / " + data.test().size() + " validation examples of " + data.classes()
                + ", encoder " + base.id();
    }

    @Override
    public FamilyModel buildModel(Trainer trainer) {
        BertEncoder model = BertEncoder.create(weights.config(), data.classes().size(), DataType.FLOAT, run.seed(),
                trainer.linearLayer(EncoderFamily.projections(weights.config())));
        model.loadParameters(weights.weights(), weights.source());
        model.feed(examples, labels);
        trainer.initialise(model);
        return model;
    }

    @Override
    public BatchSampler sampler() {
        return new BatchSampler(BertEncoder.indexStream(data.train().size()), 1, run.seed());
    }

    /** One window per validation example: {@code {row, row + 1}} over the rows after the training rows. */
    @Override
    public int[][] validationWindows() {
        int first = data.train().size();
        return IntStream.range(first, first + data.test().size()).mapToObj(r -> new int[]{r, r + 1})
                .toArray(int[][]::new);
    }

    @Override
    public Map<String, byte[]> runFiles() {
        return Map.of(TOKENIZER_FILE, base.tokenizerJson());
    }

    @Override
    public List<TrainingListener> listeners(FamilyModel model, Path metrics) {
        return List.of(new ClassificationMetrics((BertEncoder) model, validationExamples(), validationLabels(),
                run.training().microBatchSize(), task.format().equals("piqa"), new MetricsJsonl(metrics)));
    }

    /** Saves the classifier with its Tribuo provenance; returns its validation scores as lines to print. */
    @Override
    public List<String> finish(FamilyModel result, Path runDir) throws IOException {
        BertEncoder encoder = (BertEncoder) result;
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("trainer", ConfigLoader.toYaml(run.trainer()).strip());
        settings.put("training", ConfigLoader.toYaml(run.training()).strip());
        settings.put("run", runDir.toString());
        try (EncoderTokenizer tokenizer = base.tokenizer()) {
            EncoderTribuoModel model = EncoderTribuoModel.of(encoder, tokenizer, data.classes(), task.maxLength(),
                    base.id(), base.artifact(), run.trainer().type(), settings, EncoderTribuoModel.dataset(data, data.train(), data.name()
                            + " train (" + task.train() + ", seed " + run.seed() + ")"));
            SavedClassifier.save(runDir.resolve(SavedClassifier.DIRECTORY), model, base.tokenizerJson());
        }
        ClassificationMetrics.Scores s = ClassificationMetrics.score(
                encoder.probabilities(validationExamples(), run.training().microBatchSize()), validationLabels());
        return List.of(String.format(java.util.Locale.ROOT, "validation accuracy %.4f, macro-F1 %.4f over %d examples;"
                + " classifier saved in %s", s.accuracy(), s.macroF1(), data.test().size(),
                runDir.resolve(SavedClassifier.DIRECTORY)));
    }

    private EncodedBatch validationExamples() {
        int first = data.train().size();
        return examples.select(IntStream.range(first, first + data.test().size()).toArray());
    }

    private int[] validationLabels() {
        return java.util.Arrays.copyOfRange(labels, data.train().size(), labels.length);
    }
}
