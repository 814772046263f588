package dev.sinter.trainers;

import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.TrainerConfig;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Trainer {@code type: full}: ordinary training of all parameters, or of those whose names match {@code trainable}.
 *
 * @param trainable regular expressions over parameter names (full match); null = train every parameter
 */
public record FullTrainerConfig(List<String> trainable) implements TrainerConfig {
    public static final String TYPE = "full";

    public FullTrainerConfig {
        trainable = Checks.noNulls("trainable", trainable);
        if (trainable != null) {
            if (trainable.isEmpty()) {
                throw new IllegalArgumentException("trainable must not be empty; omit it to train every parameter");
            }
            for (String regex : trainable) {
                try {
                    Pattern.compile(regex);
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("trainable must hold regular expressions, got '" + regex
                            + "': " + e.getDescription());
                }
            }
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** Whether the parameter with this name is trained. */
    public boolean trains(String parameterName) {
        return trainable == null || trainable.stream().anyMatch(regex -> parameterName.matches(regex));
    }
}
