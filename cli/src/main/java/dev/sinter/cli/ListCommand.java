package dev.sinter.cli;

import dev.sinter.encoders.PretrainedEncoder;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.config.ModelPreset;
import dev.sinter.trainers.TrainerType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sinter ls}: named models, the imported pretrained encoders, trainers and shipped configs. */
@Command(name = "ls", description = "List named models, pretrained encoders, trainer types and shipped configs.")
final class ListCommand implements Callable<Integer> {
    @Option(names = "--configs", defaultValue = "configs", description = "folder of shipped configs")
    Path configs;

    @Override
    public Integer call() throws IOException {
        System.out.println("models:");
        for (ModelPreset preset : ModelPreset.registry().entries()) {
            String name = preset.name();
            ModelConfig c = preset.config();
            System.out.printf("  %-12s d=%d layers=%d heads=%d/%d hidden=%d vocab=%d ctx=%d %s %s%n", name, c.dim(),
                    c.nLayers(), c.nHeads(), c.nKvHeads(), c.hiddenDim(), c.vocabSize(), c.maxSeqLen(), c.norm(), c.mlp());
        }
        System.out.println("encoders (analyze super-weights --model encoder:NAME):");
        for (PretrainedEncoder e : PretrainedEncoder.values()) {
            System.out.printf("  %-28s %s pooling, from %s%n", AnalyzeCommand.SuperWeights.ENCODER_PREFIX + e.id(),
                    e.pooling().name().toLowerCase(Locale.ROOT), e.mavenCoordinates());
        }
        System.out.println("trainers:");
        TrainerType.registry().entries().forEach(t -> System.out.printf("  %-12s %s%n", t.name(), t.description()));
        System.out.println("configs:");
        if (Files.isDirectory(configs)) {
            try (Stream<Path> s = Files.walk(configs)) {
                s.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(p -> System.out.println("  " + p));
            }
        }
        return 0;
    }
}
