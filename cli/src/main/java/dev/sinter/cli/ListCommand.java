package dev.sinter.cli;

import dev.sinter.encoders.PretrainedEncoder;
import dev.sinter.encoders.continual.ContinualMethod;
import dev.sinter.eval.tasks.TaskType;
import dev.sinter.framework.data.TokenizerType;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.models.family.ModelFamily;
import dev.sinter.trainers.TrainerType;
import dev.sinter.trainers.TrainingTaskType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sinter ls}: every registry (model presets with their shape, trainer types, tokenizers, eval tasks), the
 * imported pretrained encoders and the shipped configs; {@code --verbose} adds each trainer's example section.
 */
@Command(name = "ls", description = {"List the registered model presets, trainer types, tokenizers and eval tasks,",
        "the pretrained encoders and the shipped configs."})
final class ListCommand implements Callable<Integer> {
    @Option(names = "--configs", defaultValue = "configs", description = "folder of shipped configs")
    Path configs;

    @Option(names = {"-v", "--verbose"}, description = "also print each trainer type's example trainer: section")
    boolean verbose;

    @Override
    public Integer call() throws IOException {
        System.out.println("models (model.name):");
        for (ModelPreset preset : ModelPreset.registry().entries()) {
            System.out.printf("  %-14s %s%n  %-14s %s%n", preset.name(), shape(preset.config()), "",
                    preset.description());
        }
        System.out.println("model families (model.from: \"FAMILY:…\"; a path or none = decoder):");
        for (ModelFamily f : ModelFamily.registry().entries()) {
            System.out.printf("  %-14s %s%n", f.name(), f.description());
        }
        System.out.println("training tasks (task.type; none = language modelling on data:):");
        for (TrainingTaskType<?> t : TrainingTaskType.registry().entries()) {
            System.out.printf("  %-14s %s (%s family)%n", t.name(), t.description(), t.family());
        }
        System.out.println("continual methods (sinter continual; continual.method.type):");
        for (ContinualMethod<?> m : ContinualMethod.registry().entries()) {
            System.out.printf("  %-14s %s%n", m.name(), m.description());
        }
        System.out.println("trainers (trainer.type):");
        for (TrainerType<?> t : TrainerType.registry().entries()) {
            System.out.printf("  %-14s %s%s%n", t.name(), t.description(),
                    t.families().isEmpty() ? "" : " (" + String.join(", ", t.families()) + " only)");
            if (verbose) {
                System.out.printf("  %-14s trainer: %s%n", "", t.example().trainer());
                if (t.example().teacherRun() != null) {
                    System.out.printf("  %-14s (%s: the run directory of a trained teacher)%n", "",
                            TrainerType.Example.TEACHER);
                }
            }
        }
        System.out.println("tokenizers (data.tokenizer.type):");
        for (TokenizerType t : TokenizerType.registry().entries()) {
            System.out.printf("  %-14s %s%s%n", t.name(), t.description(),
                    t.takesPath() ? "; path: " + t.pathTo() : "");
        }
        System.out.println("eval tasks (sinter eval --tasks; * = in zero_shot):");
        for (TaskType t : TaskType.registry().entries()) {
            System.out.printf("  %-20s %s%n", t.name() + (t.zeroShot() ? " *" : ""), t.description());
        }
        System.out.println("encoders (analyze super-weights --model encoder:NAME):");
        for (PretrainedEncoder e : PretrainedEncoder.values()) {
            System.out.printf("  %-28s %s pooling, from %s%n", AnalyzeCommand.SuperWeights.ENCODER_PREFIX + e.id(),
                    e.pooling().name().toLowerCase(Locale.ROOT), e.mavenCoordinates());
        }
        System.out.println("configs:");
        if (Files.isDirectory(configs)) {
            try (Stream<Path> s = Files.walk(configs)) {
                s.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(p -> System.out.println("  " + p));
            }
        }
        return 0;
    }

    /** The architecture in one line: sizes, norm and MLP, and the experts of each MoE layer. */
    static String shape(ModelConfig c) {
        String dense = String.format(Locale.ROOT, "d=%d layers=%d heads=%d/%d hidden=%d vocab=%d ctx=%d %s %s",
                c.dim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.hiddenDim(), c.vocabSize(), c.maxSeqLen(), c.norm(),
                c.mlp());
        if (c.moeLayers().isEmpty()) {
            return dense;
        }
        String experts = c.moeLayers().stream().map(i -> i + ":" + c.expertsAt(i)).toList().toString();
        return dense + " moe(layer:experts)=" + experts.replace(" ", "") + " top-" + c.moe().topK()
                + (c.moe().residual() ? " residual" : "");
    }
}
