package dev.sinter.eval.continual;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sinter.framework.config.Checks;
import dev.sinter.framework.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code --sources FILE} for {@code sinter continual-data}: the benchmark's classes in task order, each a label,
 * a data file (relative to the sources file's folder, or absolute) and how its texts are read
 * ({@link SourceIdentificationBenchmark.Source#kind()}):
 *
 * <pre>
 * sources:
 *   - {label: arc, file: ../eval/arc_easy.jsonl, kind: question}
 *   - {label: boolq, file: ../eval/boolq.jsonl, kind: passage}
 * </pre>
 *
 * @param sources the classes, in the order they arrive (consecutive groups of {@code classes_per_task} form a task)
 */
public record BenchmarkSources(List<Entry> sources) {
    public BenchmarkSources {
        Checks.required("sources", sources);
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("sources must list at least 4 classes (2 tasks of 2), got none");
        }
    }

    /** Binds the file's {@code sources:} list. */
    @JsonCreator
    public static BenchmarkSources of(@JsonProperty("sources") List<Entry> sources) {
        return new BenchmarkSources(sources == null ? null : List.copyOf(sources));
    }

    /**
     * One class.
     *
     * @param label the class name (the {@code label} of its rows)
     * @param file  its data file
     * @param kind  how the file's texts are read ({@code corpus}, {@code question}, {@code passage}, …)
     */
    public record Entry(String label, String file, String kind) {
        public Entry {
            Checks.required("label", label);
            Checks.nonBlank("label", label);
            Checks.required("file", file);
            Checks.nonBlank("file", file);
            Checks.required("kind", kind);
        }
    }

    /** Reads {@code file} (one-line errors with file, line and key) into sources with paths resolved against it. */
    public static List<SourceIdentificationBenchmark.Source> read(Path file) {
        Path base = file.toAbsolutePath().getParent();
        return ConfigLoader.bind(file, BenchmarkSources.class, List.of()).sources().stream()
                .map(e -> new SourceIdentificationBenchmark.Source(e.label(), base.resolve(e.file()).normalize(),
                        e.kind()))
                .toList();
    }
}
