package dev.sinter.cli;

import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.config.DataConfig;
import dev.sinter.trainers.RunConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.TextSource;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.TokenizerType;
import dev.sinter.framework.data.shards.ShardIndex;
import dev.sinter.framework.data.shards.ShardWriter;
import dev.sinter.framework.data.shards.TokenizerFingerprint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sinter prepare CONFIG [key.path=value …]}: tokenizes {@code data.train} (a file or a directory of files) with
 * the run's tokenizer into the token shards at {@code data.shards}, as set in {@code data.prepare}; a later
 * {@code sinter train} of the same config then memory-maps them ({@link ShardWriter}).
 */
@Command(name = "prepare", description = "Tokenize data.train once into memory-mappable token shards at data.shards.")
final class PrepareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "YAML run file with data.shards set")
    Path config;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "overrides, e.g. data.shards=shards/corpus")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = RunConfig.load(config, overrides);
        DataConfig data = cfg.data();
        if (data.shards() == null) {
            throw new UsageException("data.shards is not set; set it to the directory the shards go to, "
                    + "e.g. data.shards=shards/corpus");
        }
        if (data.train().startsWith(TextSource.CLASSPATH_PREFIX)) {
            throw new UsageException("prepare reads files, not " + data.train()
                    + "; set data.train to a file or a directory of files");
        }
        String tokPath = data.tokenizer().path();
        Tokenizer tokenizer = TokenizerType.registry().get(data.tokenizer().type())
                .load(tokPath == null ? null : Path.of(tokPath));
        long t0 = System.nanoTime();
        ShardIndex index = new ShardWriter(tokenizer, TokenizerFingerprint.of(data.tokenizer()), data.prepare())
                .prepare(Path.of(data.train()), data.valFraction(), Path.of(data.shards()));
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("prepared %s: %d tokens (%d validation) in %d %s shards from %d files, %.1f s, %.0f tokens/s%n",
                data.shards(), index.totalTokens(), index.validationTokens(), index.shards().size(), index.dtype(),
                index.sources().size(), seconds, index.totalTokens() / seconds);
        return 0;
    }
}
