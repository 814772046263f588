package dev.sinter.encoders;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sinter.framework.config.Checks;
import dev.sinter.trainers.TaskConfig;
import java.util.List;

import static java.util.Objects.requireNonNullElse;

/**
 * Task {@code type: classification}: fine-tune an encoder ({@code model.from: "encoder:<name>"}) with a
 * classification head on labelled texts or text pairs (cross-encoder tasks such as BoolQ and PIQA).
 *
 * @param train          JSON Lines file of training examples
 * @param validation     JSON Lines file of validation examples; null = hold out {@code validation_size} examples of
 *                       {@code train} (shuffled with the run's seed)
 * @param format         {@code jsonl} (fields named by {@code text_fields} and {@code label_field}), or the eval sets'
 *                       layouts {@code boolq} ({@code query: "Passage: …\nQuestion: …"}, gold → no/yes; pairs
 *                       (question, passage)) and {@code piqa} (goal + two solutions → a (goal, solution) pair each,
 *                       wrong/right; validation adds {@code val_paired_accuracy}: the goals answered by the
 *                       solution with the higher P(right))
 * @param textFields     {@code jsonl}: the field of the text, or two fields of a text pair
 * @param labelField     {@code jsonl}: the field of the label (a class name, or its index in {@code classes})
 * @param classes        class names in label order; null = {@code jsonl}: the sorted distinct labels of {@code train};
 *                       {@code boolq}: [no, yes]; {@code piqa}: [wrong, right]
 * @param validationSize examples held out of {@code train} when {@code validation} is null, else the number of
 *                       validation examples used (0 = all); PIQA counts goals (two examples each)
 * @param limit          read at most this many examples (goals for PIQA) of the train file after shuffling, held-out
 *                       ones included (0 = all)
 * @param maxLength      word pieces per example (pairs share them), at most the encoder's position table
 */
public record ClassificationTaskConfig(String train, String validation, String format, List<String> textFields,
                                       String labelField, List<String> classes, int validationSize, int limit,
                                       int maxLength) implements TaskConfig {
    public static final String TYPE = "classification";

    public ClassificationTaskConfig {
        Checks.required("train", train);
        Checks.nonBlank("train", train);
        Checks.nonBlank("validation", validation);
        Checks.oneOf("format", format, "jsonl", "boolq", "piqa");
        textFields = Checks.noNulls("text_fields", textFields);
        classes = Checks.noNulls("classes", classes);
        if (format.equals("jsonl")) {
            if (textFields == null || textFields.isEmpty() || textFields.size() > 2) {
                throw new IllegalArgumentException("text_fields must name one field (a text) or two (a text pair) of "
                        + "the jsonl examples, got " + textFields);
            }
            Checks.required("label_field", labelField);
        } else if (textFields != null || labelField != null) {
            throw new IllegalArgumentException("text_fields and label_field are for format jsonl; the " + format
                    + " layout fixes them; remove them");
        }
        if (classes != null && classes.size() < 2) {
            throw new IllegalArgumentException("classes must name at least 2 classes, got " + classes);
        }
        Checks.nonNegative("validation_size", validationSize);
        if (validation == null && validationSize == 0) {
            throw new IllegalArgumentException("validation_size must be > 0 without a validation file: that many "
                    + "training examples are held out");
        }
        Checks.nonNegative("limit", limit);
        if (maxLength < 2) {
            throw new IllegalArgumentException("max_length must be >= 2 ([CLS] and [SEP]), got " + maxLength);
        }
    }

    /** Binds the YAML section; defaults: format jsonl, validation_size 100, limit 0 (all), max_length 128. */
    @JsonCreator
    public static ClassificationTaskConfig of(@JsonProperty("train") String train,
                                              @JsonProperty("validation") String validation,
                                              @JsonProperty("format") String format,
                                              @JsonProperty("text_fields") List<String> textFields,
                                              @JsonProperty("label_field") String labelField,
                                              @JsonProperty("classes") List<String> classes,
                                              @JsonProperty("validation_size") Integer validationSize,
                                              @JsonProperty("limit") Integer limit,
                                              @JsonProperty("max_length") Integer maxLength) {
        return new ClassificationTaskConfig(train, validation, requireNonNullElse(format, "jsonl"), textFields,
                labelField, classes, requireNonNullElse(validationSize, validation == null ? 100 : 0),
                requireNonNullElse(limit, 0), requireNonNullElse(maxLength, 128));
    }

    @Override
    public String type() {
        return TYPE;
    }
}
