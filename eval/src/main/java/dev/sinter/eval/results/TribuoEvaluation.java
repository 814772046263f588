package dev.sinter.eval.results;

import com.oracle.labs.mlrg.olcut.util.Pair;
import dev.sinter.eval.metrics.Metrics;
import dev.sinter.eval.tasks.TaskResult.ChoiceOutcome;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.Feature;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.MutableFeatureMap;
import org.tribuo.MutableOutputInfo;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.ConfusionMatrix;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.impl.EmptyDataSourceProvenance;
import org.tribuo.provenance.impl.EmptyDatasetProvenance;
import org.tribuo.provenance.impl.EmptyTrainerProvenance;

/**
 * Scores multiple-choice predictions through Tribuo's {@link LabelEvaluator}. Each item becomes a Tribuo example
 * whose gold label is the right choice's label and whose features are the choices' scores ({@code choice=<i>});
 * a zero-shot {@link Model} predicts the label of the highest-scoring choice (the first on ties), exactly the
 * {@code acc} (raw log-likelihoods) or {@code acc_norm} (length-normalized) decision.
 */
public final class TribuoEvaluation {
    private TribuoEvaluation() {
    }

    /**
     * Evaluates the items' predictions under {@code acc} ({@code normalized = false}) or {@code acc_norm}.
     *
     * @throws IllegalArgumentException if {@code normalized} is requested for partial-scoring outcomes
     */
    public static LabelEvaluation evaluate(String task, List<ChoiceOutcome> outcomes, boolean normalized) {
        MutableOutputInfo<Label> info = new LabelFactory().generateInfo();
        Set<String> labels = new LinkedHashSet<>();
        for (ChoiceOutcome o : outcomes) {
            labels.addAll(o.labels());
        }
        labels.forEach(l -> info.observe(new Label(l)));
        MutableFeatureMap features = new MutableFeatureMap();
        List<Example<Label>> examples = new ArrayList<>();
        for (ChoiceOutcome o : outcomes) {
            double[] scores = normalized ? o.normalized() : o.logliks();
            if (scores == null) {
                throw new IllegalArgumentException(task + ": no normalized scores (partial scoring)");
            }
            String[] names = new String[scores.length];
            for (int i = 0; i < scores.length; i++) {
                names[i] = featureName(i);
                features.add(names[i], scores[i]);
            }
            ArrayExample<Label> ex = new ArrayExample<>(new Label(o.labels().get(o.gold())), names, scores);
            ex.setMetadataValue("labels", String.join("\u001f", o.labels()));
            examples.add(ex);
        }
        ZeroShotModel model = new ZeroShotModel(task + (normalized ? ":acc_norm" : ":acc"),
                new ImmutableFeatureMap(features), info.generateImmutableOutputInfo());
        List<Prediction<Label>> predictions = model.predict(examples);
        return new LabelEvaluator().evaluate(model, predictions, new EmptyDataSourceProvenance(Map.of()));
    }

    /** A JSON-ready digest: accuracy, macro/micro averages, per-class metrics and the confusion matrix. */
    public static Map<String, Object> digest(LabelEvaluation e) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("accuracy", e.accuracy());
        d.put("macro_precision", e.macroAveragedPrecision());
        d.put("macro_recall", e.macroAveragedRecall());
        d.put("macro_f1", e.macroAveragedF1());
        d.put("micro_f1", e.microAveragedF1());
        d.put("balanced_error_rate", e.balancedErrorRate());
        ConfusionMatrix<Label> cm = e.getConfusionMatrix();
        List<Label> domain = new ArrayList<>(cm.getDomain().getDomain());
        domain.sort((a, b) -> a.getLabel().compareTo(b.getLabel()));
        Map<String, Object> perClass = new LinkedHashMap<>();
        Map<String, Object> confusion = new LinkedHashMap<>();
        for (Label l : domain) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("precision", e.precision(l));
            c.put("recall", e.recall(l));
            c.put("f1", e.f1(l));
            c.put("support", e.tp(l) + e.fn(l));
            perClass.put(l.getLabel(), c);
            Map<String, Double> row = new LinkedHashMap<>(); // gold row → predicted column
            for (Label p : domain) {
                row.put(p.getLabel(), cm.confusion(p, l));
            }
            confusion.put(l.getLabel(), row);
        }
        d.put("per_class", perClass);
        d.put("confusion_matrix_gold_to_pred", confusion);
        return d;
    }

    static String featureName(int choice) {
        return String.format("choice=%03d", choice);
    }

    /** Predicts the label of the highest-scoring choice feature of an example. */
    private static final class ZeroShotModel extends Model<Label> {
        private static final long serialVersionUID = 1L;

        ZeroShotModel(String name, ImmutableFeatureMap features, ImmutableOutputInfo<Label> outputs) {
            super(name, new ModelProvenance(ZeroShotModel.class.getName(), OffsetDateTime.now(),
                    new EmptyDatasetProvenance(), new EmptyTrainerProvenance()), features, outputs, false);
        }

        @Override
        public Prediction<Label> predict(Example<Label> example) {
            List<Double> scores = new ArrayList<>();
            for (Feature f : example) {
                int i = Integer.parseInt(f.getName().substring("choice=".length()));
                while (scores.size() <= i) {
                    scores.add(Double.NEGATIVE_INFINITY);
                }
                scores.set(i, f.getValue());
            }
            int best = Metrics.argmax(scores.stream().mapToDouble(Double::doubleValue).toArray());
            String[] labels = ((String) example.getMetadataValue("labels").orElseThrow()).split("\u001f", -1);
            return new Prediction<>(new Label(labels[best]), example.size(), example);
        }

        @Override
        public Map<String, List<Pair<String, Double>>> getTopFeatures(int n) {
            return Map.of();
        }

        @Override
        public Optional<Excuse<Label>> getExcuse(Example<Label> example) {
            return Optional.empty();
        }

        @Override
        protected Model<Label> copy(String newName, ModelProvenance newProvenance) {
            return new ZeroShotModel(newName, featureIDMap, outputIDInfo);
        }
    }
}
