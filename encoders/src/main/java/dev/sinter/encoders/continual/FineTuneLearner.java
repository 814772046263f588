package dev.sinter.encoders.continual;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sinter.encoders.EncoderTokenizer;
import dev.sinter.encoders.EncoderTribuoModel;
import dev.sinter.encoders.SavedClassifier;
import dev.sinter.encoders.TextClassificationData;
import dev.sinter.encoders.TextClassificationData.Item;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.util.Json;
import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.TrainingRun;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The baselines without prompts ({@link FineTuneMethodConfig}): each task is one classification run of the engine
 * ({@link TrainingRun}, {@code task: {type: classification}}) over the classes seen so far, with the configured
 * trainer (full or LoRA). {@code sequential} starts each run from the previous task's classifier and trains on the
 * new task's data only; the encoder carries over, while the head is rebuilt for the grown class list (a saved
 * classifier's head is dropped when it becomes a base, so old classes' rows restart: a lower bound). {@code joint}
 * starts every run from the base encoder and trains on the data of every task seen so far, so its last row is the
 * upper bound of the matrix. Each task's run lives in {@code workDir/task-NN}; the previous one is deleted once the
 * next has finished.
 */
public final class FineTuneLearner implements ContinualLearner {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final String STATE = "learner.json";
    /** Test examples per forward pass (larger than a training micro-batch: fewer graph executions). */
    private static final int PREDICT_BATCH = 64;

    private final FineTuneMethodConfig method;
    private final ContinualConfig run;
    private final Path workDir;
    private final List<Item> seenTrain = new ArrayList<>();
    private final List<Item> seenValidation = new ArrayList<>();
    private Path classifier; // the latest task's saved classifier, null before the first task
    private EncoderTribuoModel loaded; // `classifier`, loaded on first prediction

    /** A learner of {@code method} for {@code run}, keeping its task runs under {@code workDir}. */
    public FineTuneLearner(FineTuneMethodConfig method, ContinualConfig run, Path workDir) {
        this.method = method;
        this.run = run;
        this.workDir = workDir;
    }

    @Override
    public String name() {
        return method.type();
    }

    @Override
    public LearnReport learn(int task, List<String> classes, List<Integer> taskClasses, List<Item> train,
                             List<Item> validation) throws IOException {
        seenTrain.addAll(train);
        seenValidation.addAll(validation);
        List<Item> trainItems = method.joint() ? seenTrain : train;
        List<Item> validationItems = method.joint() ? seenValidation : validation;
        Path taskDir = workDir.resolve(ContinualTasks.taskDirectory(task));
        ContinualRunDirectory.deleteTree(taskDir);
        Files.createDirectories(taskDir);
        Path trainFile = write(taskDir.resolve("train.jsonl"), trainItems, classes);
        Path validationFile = validationItems.isEmpty() ? null
                : write(taskDir.resolve("validation.jsonl"), validationItems, classes);
        String from = method.joint() || classifier == null ? run.model().reference() : classifier.toString();
        TrainingRun.Result result = new TrainingRun(runConfig(task, classes, from, trainFile, validationFile,
                trainItems.size())).execute();
        Path previous = classifier;
        classifier = result.runDir().resolve(SavedClassifier.DIRECTORY);
        loaded = null;
        if (previous != null && previous.startsWith(workDir)) {
            ContinualRunDirectory.deleteTree(previous.getParent());
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("from", from.equals(run.model().reference()) ? "base" : "previous task");
        details.put("train_examples", trainItems.size());
        details.put("steps", result.steps());
        details.put("validation_loss", result.validationLoss());
        return new LearnReport(-1, false, details);
    }

    /** The classification run of one task, as a config: the continual run's model, training, trainer and seed. */
    private RunConfig runConfig(int task, List<String> classes, String from, Path train, Path validation,
                                int trainSize) {
        Map<String, Object> taskSection = new LinkedHashMap<>();
        taskSection.put("type", "classification");
        taskSection.put("train", train.toString());
        if (validation != null) {
            taskSection.put("validation", validation.toString());
        } else {
            taskSection.put("validation_size", Math.max(1, trainSize / 10));
        }
        taskSection.put("text_fields", List.of("text"));
        taskSection.put("label_field", "label");
        taskSection.put("classes", classes);
        taskSection.put("max_length", run.continual().maxLength());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", ContinualTasks.taskDirectory(task));
        doc.put("output_dir", workDir.toString());
        doc.put("seed", run.seed());
        doc.put("model", Map.of("from", "encoder:" + from));
        doc.put("task", taskSection);
        doc.put("training", asMap(run.training()));
        doc.put("trainer", asMap(method.trainer()));
        doc.put("checkpoint", Map.of("every", run.training().steps()));
        try {
            return RunConfig.loadString(Json.write(doc), run.name() + "/" + ContinualTasks.taskDirectory(task),
                    List.of());
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the task run's config", e);
        }
    }

    private static Map<String, Object> asMap(Object configRecord) {
        try {
            return YAML.readValue(ConfigLoader.toYaml(configRecord), new TypeReference<LinkedHashMap<String, Object>>() {
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot read back the YAML of " + configRecord, e);
        }
    }

    private static Path write(Path file, List<Item> items, List<String> classes) throws IOException {
        StringBuilder out = new StringBuilder();
        for (Item i : items) {
            out.append(Json.write(Map.of("text", i.first(), "label", classes.get(i.label())))).append('\n');
        }
        Files.writeString(file, out);
        return file;
    }

    /** The argmax over the classes seen so far (the head has exactly those); no prompt sets. */
    @Override
    public Predictions predict(List<Item> test) throws IOException {
        if (classifier == null) {
            throw new IllegalStateException("predict before the first task was learned");
        }
        if (loaded == null) {
            loaded = SavedClassifier.load(classifier);
        }
        INDArray probs;
        try (InputStream in = Files.newInputStream(classifier.resolve("tokenizer.json"));
             EncoderTokenizer tokenizer = EncoderTokenizer.read(in, classifier + "/tokenizer.json")) {
            probs = loaded.encoder().probabilities(TextClassificationData.encode(tokenizer, test,
                    run.continual().maxLength()), PREDICT_BATCH); // [n, C]
        }
        int[] labels = probs.argMax(1).toIntVector();
        int[] sets = new int[test.size()];
        Arrays.fill(sets, -1);
        return new Predictions(labels, sets);
    }

    /** Copies the classifier and records the data seen so far ({@code joint} retrains on it). */
    @Override
    public void save(Path dir) throws IOException {
        Path copy = dir.resolve(SavedClassifier.DIRECTORY);
        Files.createDirectories(copy);
        try (var files = Files.list(classifier)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Json.writePretty(dir.resolve(STATE), Map.of("train", seenTrain, "validation", seenValidation));
    }

    @Override
    public void restore(Path dir) throws IOException {
        Map<String, List<Item>> state = Json.mapper().readValue(dir.resolve(STATE).toFile(),
                new TypeReference<Map<String, List<Item>>>() {
                });
        seenTrain.clear();
        seenTrain.addAll(state.get("train"));
        seenValidation.clear();
        seenValidation.addAll(state.get("validation"));
        classifier = dir.resolve(SavedClassifier.DIRECTORY);
        loaded = null;
        ContinualRunDirectory.deleteTree(workDir); // task runs of the interrupted timeline; the state above is all that counts
    }

    @Override
    public int promptSets() {
        return 0;
    }
}
