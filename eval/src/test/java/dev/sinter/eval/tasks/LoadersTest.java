package dev.sinter.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.eval.lm.LanguageModel.Request;
import dev.sinter.framework.testing.SharedData;
import dev.sinter.framework.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task files parse (parsing only, no model): the committed slices of every zero-shot set ({@code testdata/eval}, the
 * first 30 items each) always; the full shared files, to their documented item counts, when {@code ../shared} is there.
 */
class LoadersTest {
    private static final int SLICE_ITEMS = 30;
    private static final Map<String, Integer> COUNTS = Map.ofEntries(Map.entry("arc_easy", 2376),
            Map.entry("arc_challenge", 1172), Map.entry("piqa", 1838), Map.entry("boolq", 3270),
            Map.entry("copa", 100), Map.entry("openbookqa", 500), Map.entry("siqa", 1954),
            Map.entry("commonsense_qa", 1221), Map.entry("winogrande", 1267), Map.entry("winograd_wsc", 273),
            Map.entry("lambada_openai", 5153), Map.entry("hellaswag", 10042));

    /** The full shared data folder; tests that call it are skipped without {@code ../shared}. */
    private static Path data() {
        return SharedData.require("data");
    }

    /** The committed fixtures, laid out like the shared data folder. */
    private static Path slices() {
        return TestData.root();
    }

    /** The registered zero-shot suite, in registration order. */
    private static List<String> zeroShot() {
        return TaskType.registry().entries().stream().filter(TaskType::zeroShot).map(TaskType::name).toList();
    }

    /** A registered multiple-choice task read from the committed slices. */
    private static MultipleChoiceTask slice(String name) throws IOException {
        return (MultipleChoiceTask) TaskType.registry().get(name).load(slices());
    }

    @Test
    void theZeroShotSuiteIsTheTwelveTasksInReportOrderAndParseExpandsIt() throws IOException {
        List<String> twelve = List.of("arc_easy", "arc_challenge", "piqa", "boolq", "copa", "openbookqa", "siqa",
                "commonsense_qa", "winogrande", "winograd_wsc", "lambada_openai", "hellaswag");
        assertEquals(twelve, zeroShot().stream().filter(twelve::contains).toList());
        List<String> perplexity = List.of("wikitext2", "tinystories", "tinystories_sample");
        assertTrue(TaskType.registry().names().containsAll(perplexity));
        assertTrue(perplexity.stream().noneMatch(zeroShot()::contains), "perplexity tasks are not zero-shot");
        List<Task> tasks = Tasks.parse("piqa, zero_shot,", slices());
        assertEquals(1 + zeroShot().size(), tasks.size());
        assertEquals("piqa", tasks.get(0).name());
        assertEquals(zeroShot(), tasks.subList(1, tasks.size()).stream().map(Task::name).toList());
    }

    @Test
    void anUnknownTaskNamesTheRegisteredOnesAndTheClosest() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tasks.parse("arc_easy,arc_esy", slices()));
        assertEquals("unknown task 'arc_esy'; registered: " + String.join(", ", TaskType.registry().names())
                + "; did you mean 'arc_easy'? (or give the path of a YAML task definition)", e.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> Tasks.parse(" ,", slices()));
        assertTrue(none.getMessage().startsWith("no tasks given; registered: arc_easy, "), none.getMessage());
    }

    @Test
    void everyZeroShotTaskParsesFromItsCommittedSlice() throws IOException {
        for (String name : zeroShot()) {
            Task t = TaskType.registry().get(name).load(slices());
            int n = t instanceof LambadaTask l ? l.requests().size() : ((MultipleChoiceTask) t).items().size();
            assertEquals(SLICE_ITEMS, n, name);
        }
        MultipleChoiceTask.Item hs = slice("hellaswag").items().get(0);
        assertEquals("Roof shingle removal: A man is sitting on a roof. He", hs.requests().get(0).context());
        assertEquals(" starts pulling up roofing on a roof.", hs.requests().get(hs.gold()).continuation());
        MultipleChoiceTask.Item wino = slice("winogrande").items().get(0);
        assertEquals("Sarah was a much better surgeon than Maria so Maria", wino.requests().get(1).context());
        assertEquals(" always got the easier cases.", wino.requests().get(1).continuation());
        assertEquals(1, wino.gold());
    }

    @Test
    void everyZeroShotTaskParsesToItsDocumentedCount() throws IOException {
        for (String name : zeroShot()) {
            Task t = TaskType.registry().get(name).load(data());
            if (t instanceof LambadaTask l) {
                assertEquals(COUNTS.get(name), l.requests().size(), name);
                continue;
            }
            List<MultipleChoiceTask.Item> items = ((MultipleChoiceTask) t).items();
            assertEquals(COUNTS.get(name), items.size(), name);
            if (name.equals("hellaswag")) { // decompressing takes seconds: check the prompt here
                MultipleChoiceTask.Item hs = items.get(0);
                assertEquals("Roof shingle removal: A man is sitting on a roof. He", hs.requests().get(0).context());
                assertEquals(" starts pulling up roofing on a roof.", hs.requests().get(hs.gold()).continuation());
            }
        }
    }

    @Test
    void promptsFollowLmEval() throws IOException {
        MultipleChoiceTask.Item arc = slice("arc_easy").items().get(1);
        assertEquals("Question: Which piece of safety equipment is used to keep mold spores from entering the "
                + "respiratory system?\nAnswer:", arc.requests().get(0).context());
        assertEquals(" breathing mask", arc.requests().get(1).continuation());
        MultipleChoiceTask.Item piqa = slice("piqa").items().get(1);
        assertEquals("Question: dresser\nAnswer:", piqa.requests().get(0).context(), "trailing newline replaced");
        Request lambada = ((LambadaTask) TaskType.registry().get("lambada_openai").load(slices())).requests().get(0);
        assertEquals(" signs", lambada.continuation());
    }

    @Test
    void hellaswagPreprocessingMatchesLmEval() {
        assertEquals("How to do it. Step one.", HellaSwag.preprocess(" How to do it [title] Step one. "));
        assertEquals("See for more.", HellaSwag.preprocess("See [a | b] for more."));
        assertEquals("x. Y z", HellaSwag.capitalizeLastSentence("x. y z"));
        assertEquals("No period here", HellaSwag.capitalizeLastSentence("No period here"));
    }

    @Test
    void malformedLineNamesFileAndLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 0}\n\n"
                + "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 0\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TaskSpec.multipleChoice("bad", "bad.jsonl", "").toTask(dir).items());
        assertTrue(e.getMessage().startsWith(f + ":3: not valid JSON"), e.getMessage());

        Files.writeString(f, "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 0}\n"
                + "{\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 0}\n");
        e = assertThrows(IllegalArgumentException.class,
                () -> TaskSpec.multipleChoice("bad", "bad.jsonl", "").toTask(dir).items());
        assertTrue(e.getMessage().startsWith(f + ":2: missing field 'query'"), e.getMessage());

        Files.writeString(f, "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 2}\n");
        e = assertThrows(IllegalArgumentException.class,
                () -> TaskSpec.multipleChoice("bad", "bad.jsonl", "").toTask(dir).items());
        assertTrue(e.getMessage().startsWith(f + ":1: gold index 2"), e.getMessage());
    }

    @Test
    void malformedHellaswagGroupNamesTheLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("hs.txt");
        Files.writeString(f, "A: b c\n1\ne1\ne2\ne3\ne4\nB: c d\nx\ne1\ne2\ne3\ne4\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HellaSwag.task(f).items());
        assertEquals(f + ":8: expected the gold index 0-3, got 'x'", e.getMessage());
    }

    @Test
    void userTaskFromYamlAndJsonl(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("mine.jsonl"),
                "{\"q\": \"Sky colour?\", \"opts\": [\"green\", \"blue\"], \"answer\": \"1\"}\n");
        Path yaml = dir.resolve("mine.yaml");
        Files.writeString(yaml, "name: mine\nfile: mine.jsonl\nquery_field: q\nchoices_field: opts\n"
                + "gold_field: answer\nprompt_suffix: \"\\nAnswer:\"\n");
        MultipleChoiceTask t = (MultipleChoiceTask) Tasks.parse(yaml.toString(), slices()).get(0);
        assertEquals("mine", t.name());
        MultipleChoiceTask.Item it = t.items().get(0);
        assertEquals("Sky colour?\nAnswer:", it.requests().get(1).context());
        assertEquals(" blue", it.requests().get(1).continuation());
        assertEquals(1, it.gold());

        Files.writeString(yaml, "name: mine\nfile: mine.jsonl\nqeury_field: q\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tasks.parse(yaml.toString(), slices()).get(0));
        assertTrue(e.getMessage().startsWith(yaml + ":3: ") && e.getMessage().contains("qeury_field"),
                e.getMessage());
    }

    @Test
    void shippedExampleTaskDefinitionLoads() throws IOException {
        Path yaml = Path.of("../configs/eval/example_task.yaml");
        TaskSpec spec = TaskSpec.fromYaml(yaml);
        assertEquals("arc_easy_yaml", spec.name());
    }

    @Test
    void perplexityDocumentsAreSplit() throws IOException {
        List<String> stories = new PerplexityTask("s", TestData.fixture("corpora/tinystories_sample.txt"),
                PerplexityTask.Split.AUTO).documents();
        assertTrue(stories.size() > 1 && stories.stream().noneMatch(s -> s.contains("<|endoftext|>")));
        assertEquals(4, PerplexityTask.words(" a b\n c  d "));
    }

    @Test
    void wikitextIsSplitByArticle() throws IOException {
        List<String> wiki = ((PerplexityTask) TaskType.registry().get("wikitext2").load(data())).documents();
        assertTrue(wiki.size() > 20 && wiki.get(0).startsWith("= Robert <unk> ="), wiki.get(0).substring(0, 30));
    }
}
