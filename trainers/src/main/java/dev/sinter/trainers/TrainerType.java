package dev.sinter.trainers;

import dev.sinter.framework.config.ConfigType;
import dev.sinter.framework.config.TrainerConfig;
import dev.sinter.framework.registry.Plugins;
import dev.sinter.framework.registry.Registry;
import java.nio.file.Path;
import java.util.List;

/**
 * A registered training method: its {@code trainer.type} name, its config record, how to build the {@link Trainer}
 * of a run, and a minimal example of its section. Registered by the module that implements the method, one line in
 * its {@link dev.sinter.framework.registry.SinterPlugin}; config binding, {@code sinter ls} and the contract tests
 * read {@link #registry()}.
 *
 * @param name        the {@code trainer.type} name
 * @param description one line for {@code sinter ls}
 * @param recordType  the {@code trainer:} section's record
 * @param factory     builds the trainer of a run from its bound section
 * @param example     a minimal valid use of the method on the tiny model
 * @param families    the {@link dev.sinter.models.family.ModelFamily} names the method can train; empty = every
 *                    family (a method that needs the decoder, like distillation, names it)
 * @param <C>         the config record
 */
public record TrainerType<C extends TrainerConfig>(String name, String description, Class<C> recordType,
                                                   Factory<C> factory, Example example, List<String> families)
        implements ConfigType {
    public TrainerType {
        families = List.copyOf(families);
    }

    /** A method that trains every model family. */
    public TrainerType(String name, String description, Class<C> recordType, Factory<C> factory, Example example) {
        this(name, description, recordType, factory, example, List.of());
    }

    /** Whether this method can train models of the family {@code family}. */
    public boolean supports(String family) {
        return families.isEmpty() || families.contains(family);
    }

    /** Fails with a one-line fix when this method cannot train {@code family}. */
    public void requireFamily(String family) {
        if (!supports(family)) {
            throw new IllegalArgumentException("trainer type " + name + " trains only the " + String.join(", ", families)
                    + " family, but the model is of the " + family + " family; choose one of "
                    + String.join(", ", registry().entries().stream().filter(t -> t.supports(family))
                    .map(TrainerType::name).toList()));
        }
    }

    /** Builds a method's trainer from its config section and the whole run config. */
    @FunctionalInterface
    public interface Factory<C> {
        Trainer create(C config, RunConfig run);
    }

    /**
     * A minimal valid use of a method on the tiny model (byte tokenizer, a few steps): shown by
     * {@code sinter ls --verbose} and {@code docs/extending.md}, and run by the trainer contract tests, so every
     * registered method is trained, checkpointed, resumed and reloaded by them.
     *
     * @param trainer    the {@code trainer:} section in YAML flow style; {@value #TEACHER} stands for the directory
     *                   of a teacher run trained first
     * @param teacherRun overrides of the tiny run that trains the teacher (e.g. its {@code model} section; empty: the
     *                   tiny model as is), or null when the method has no teacher
     */
    public record Example(String trainer, List<String> teacherRun) {
        /** Where the teacher's run directory goes in {@link #trainer()}. */
        public static final String TEACHER = "$TEACHER";

        public Example {
            if (trainer == null || !trainer.strip().startsWith("{")) {
                throw new IllegalArgumentException("an example trainer section is a YAML flow mapping such as"
                        + " '{type: full}', got '" + trainer + "'");
            }
            if ((teacherRun != null) != trainer.contains(TEACHER)) {
                throw new IllegalArgumentException("an example with a teacher run must name it as " + TEACHER
                        + " in its trainer section, and only then: '" + trainer + "'");
            }
            teacherRun = teacherRun == null ? null : List.copyOf(teacherRun);
        }

        /** An example without a teacher. */
        public static Example of(String trainer) {
            return new Example(trainer, null);
        }

        /** An example distilling from a teacher trained with {@code teacherRun} overrides. */
        public static Example withTeacher(String trainer, String... teacherRun) {
            return new Example(trainer, List.of(teacherRun));
        }

        /** The trainer section with the teacher's run directory filled in (unchanged without a teacher). */
        public String trainer(Path teacher) {
            return trainer.replace(TEACHER, teacher.toString());
        }
    }

    /** A method whose example is its section with every default: {@code {type: NAME}}. */
    public TrainerType(String name, String description, Class<C> recordType, Factory<C> factory) {
        this(name, description, recordType, factory, Example.of("{type: " + name + "}"));
    }

    /** Every registered trainer type. */
    public static Registry<TrainerType<?>> registry() {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Registry<TrainerType<?>> r = (Registry) Plugins.get().registry(TrainerType.class);
        return r;
    }

    @Override
    public Class<?> section() {
        return TrainerConfig.class;
    }

    /** The trainer of {@code run}, whose {@code trainer} section must be this type's record. */
    public Trainer create(RunConfig run) {
        return factory.create(recordType.cast(run.trainer()), run);
    }
}
