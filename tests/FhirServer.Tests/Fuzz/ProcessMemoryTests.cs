namespace FhirServer.Tests.Fuzz;

/// <summary>The fuzzer's reading of a server's memory: anonymous and file-backed pages apart.</summary>
public class ProcessMemoryTests
{
    [Test]
    public void Reads_anonymous_and_file_pages_apart()
    {
        var memory = ProcessMemory.Parse(["Name:\tdotnet", "VmRSS:\t  5955584 kB", "RssAnon:\t   447488 kB", "RssFile:\t  5508096 kB", "RssShmem:\t0 kB"]);

        Assert.That(memory, Is.EqualTo(new ProcessMemory(5955584L * 1024, 447488L * 1024, 5508096L * 1024)));
        Assert.That(memory!.ToString(), Is.EqualTo("RssAnon 437 MB, RssFile 5,379 MB (VmRSS 5,816 MB)"));
    }

    [Test]
    public void A_process_that_is_exiting_has_no_figures() =>
        Assert.That(ProcessMemory.Parse(["Name:\tdotnet", "VmRSS:", "RssAnon:", "RssFile:"]), Is.Null);

    [Test]
    public void The_running_test_process_has_anonymous_memory() =>
        Assert.That(ProcessMemory.Read(Environment.ProcessId)?.Anon, Is.GreaterThan(0));
}
