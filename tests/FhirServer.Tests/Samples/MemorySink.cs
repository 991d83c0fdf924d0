using System.Text.Json.Nodes;
using FhirServer.Samples;

namespace FhirServer.Tests.Samples;

/// <summary>The generator's output kept in memory: each resource as NDJSON would carry it, and each ITI-65 Bundle.</summary>
internal sealed class MemorySink(bool bundles = false) : ISampleSink
{
    public List<JsonObject> Resources { get; } = [];

    public List<JsonObject> ProvideBundles { get; } = [];

    public bool UsesBundles => bundles;

    public IReadOnlyList<string> Files => [];

    public void Directory(JsonObject resource) => Resources.Add(resource);

    public void Patient(IReadOnlyList<JsonObject> resources) => Resources.AddRange(resources);

    public void Submission(SampleDocuments documents, List<SubmissionEntry> entries)
    {
        if (bundles) ProvideBundles.Add(documents.ProvideBundle(entries));
        else Resources.AddRange(entries.Select(e => e.Resource));
    }

    public void Dispose() { }

    public static MemorySink Generate(int seed, long patients, bool bundles = false)
    {
        var sink = new MemorySink(bundles);
        new SampleGenerator(SampleOptions.For(seed, patients)).Run(sink);
        return sink;
    }
}
