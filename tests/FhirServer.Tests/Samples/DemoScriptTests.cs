using FhirServer.Conformance.Tests.Support;
using FhirServer.Samples;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Samples;

/// <summary>
/// samples/demo.sh, run with bash against a server process on each store, on a sample generated here: every step
/// answers as the script expects (it exits non-zero at the first that does not).
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
[NonParallelizable]
public class DemoScriptTests(string store)
{
    private ProcessStore _store = null!;
    private ServerProcess _server = null!;
    private string _sample = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _store = new ProcessStore(store, "demo");
        _server = await ServerProcess.StartAsync(_store.Arguments);
        _sample = Directory.CreateTempSubdirectory("fhirserver-demo-sample-").FullName;
        var generator = new SampleGenerator(SampleOptions.For(seed: 1, patients: 6));
        using (var sink = new BundleSink(_sample, 500)) generator.Run(sink);
        File.WriteAllText(Path.Combine(_sample, "sample.env"), generator.Environment());
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _server.DisposeAsync();
        _store.Dispose();
        TempFolder.Delete(_sample);
    }

    [Test]
    public async Task The_demo_walks_through_the_four_flows()
    {
        var script = Path.Combine(TestData.RepositoryRoot, "samples", "demo.sh");
        var run = await ProcessRun.RunAsync("bash", [script, _server.BaseUrl, _sample], TestData.RepositoryRoot, timeout: TimeSpan.FromMinutes(5));
        Assert.That(run.Exit, Is.EqualTo(0), run.Out + run.Err + _server.Output);
        Assert.That(run.Out, Does.Contain("All 13 steps passed"));
        Assert.That(run.Out, Does.Contain("application/pdf").Or.Contain("text/xml"), "the document came back as its bytes");
    }
}
