package dev.sinter.encoders;

import dev.sinter.trainers.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;

/**
 * Evaluates the classifier saved by a classification run on a file of labelled examples (read like the run's
 * {@code task.train}: same format, fields and classes, every example used) with Tribuo's {@link LabelEvaluator}.
 */
public final class ClassifierEvaluation {
    private ClassifierEvaluation() {
    }

    /**
     * Accuracy, macro-F1 and the example count of the classifier of run directory {@code run} on {@code file}, with
     * the loaded model's name and its restored Tribuo provenance.
     */
    public static Map<String, Object> evaluate(Path run, Path file) throws IOException {
        Path config = run.resolve("config.yaml");
        if (!Files.isRegularFile(config)) {
            throw new IOException(run + " is not a run directory (no config.yaml); give the directory of a finished"
                    + " classification run");
        }
        RunConfig cfg = RunConfig.load(config, List.of());
        if (!(cfg.task() instanceof ClassificationTaskConfig task)) {
            throw new IOException(run + " is not a classification run (its config has no task: {type: classification})");
        }
        EncoderTribuoModel model = SavedClassifier.load(run);
        TextClassificationData data = task.format().equals("jsonl")
                ? TextClassificationData.jsonl(file, task.textFields(), task.labelField(), model.classes(), 0, 0, cfg.seed())
                : task.format().equals("boolq") ? TextClassificationData.boolq(file, 0, 0, cfg.seed())
                : TextClassificationData.piqa(file, 0, 0, cfg.seed());
        if (data.classes().size() != model.classes().size()) {
            throw new IOException(file + ": " + data.classes().size() + " classes, but the classifier has "
                    + model.classes());
        }
        TextClassificationData named = new TextClassificationData(data.name(), model.classes(), data.train(), List.of());
        MutableDataset<Label> examples = EncoderTribuoModel.dataset(named, named.train(), file.toString());
        LabelEvaluation e = new LabelEvaluator().evaluate(model, examples);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("file", file.toString());
        out.put("model", model.getName());
        out.put("examples", examples.size());
        out.put("accuracy", e.accuracy());
        out.put("macro_f1", e.macroAveragedF1());
        out.put("provenance", model.getProvenance().toString());
        return out;
    }
}
