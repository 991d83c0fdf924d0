using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Serialization;

/// <summary>Outcome of round-tripping one file.</summary>
public sealed record RoundTripResult(string File, IReadOnlyList<OutcomeIssue> Issues, IReadOnlyList<string> Differences)
{
    public bool Parsed => !Issues.Any(i => i.IsError);
    public bool Identical => Parsed && Differences.Count == 0;
}

/// <summary>
/// Checks that a resource survives our readers and writers unchanged. A JSON file must come back as the same JSON
/// value through JSON → model → JSON and through JSON → model → XML → model → JSON. An XML file must give the
/// same JSON whether read directly or after XML → model → XML.
/// </summary>
public static class RoundTrip
{
    public static RoundTripResult Check(ConformanceContext context, string path)
    {
        var bytes = File.ReadAllBytes(path);
        return Path.GetExtension(path).Equals(".xml", StringComparison.OrdinalIgnoreCase)
            ? CheckXml(context, path, bytes)
            : CheckJson(context, path, bytes);
    }

    public static RoundTripResult CheckJson(ConformanceContext context, string name, byte[] json)
    {
        var parsed = context.Json.Parse(json);
        if (parsed.Resource is null || parsed.HasErrors) return new(name, parsed.Issues, []);
        var differences = new List<string>();
        var direct = FhirJsonWriter.WriteToBytes(parsed.Resource);
        differences.AddRange(JsonValueComparer.Differences(json, direct).Select(d => "json→json " + d));

        var xml = FhirXmlWriter.WriteToBytes(parsed.Resource);
        var fromXml = context.Xml.Parse(xml);
        var issues = parsed.Issues.Concat(fromXml.Issues.Select(i => i with { Message = "(reading our XML) " + i.Message })).ToList();
        if (fromXml.Resource is null) return new(name, issues, differences);
        var viaXml = FhirJsonWriter.WriteToBytes(fromXml.Resource);
        differences.AddRange(JsonValueComparer.Differences(json, viaXml).Select(d => "json→xml→json " + d));
        return new(name, issues, differences);
    }

    public static RoundTripResult CheckXml(ConformanceContext context, string name, byte[] xml)
    {
        var parsed = context.Xml.Parse(xml);
        if (parsed.Resource is null || parsed.HasErrors) return new(name, parsed.Issues, []);
        var json = FhirJsonWriter.WriteToBytes(parsed.Resource);
        var again = context.Xml.Parse(FhirXmlWriter.WriteToBytes(parsed.Resource));
        var issues = parsed.Issues.Concat(again.Issues.Select(i => i with { Message = "(reading our XML) " + i.Message })).ToList();
        if (again.Resource is null) return new(name, issues, []);
        var viaXml = FhirJsonWriter.WriteToBytes(again.Resource);
        var differences = JsonValueComparer.Differences(json, viaXml).Select(d => "xml→xml " + d).ToList();
        var fromJson = context.Json.Parse(json);
        if (fromJson.Resource is not null)
            differences.AddRange(JsonValueComparer.Differences(json, FhirJsonWriter.WriteToBytes(fromJson.Resource)).Select(d => "xml→json→json " + d));
        return new(name, issues.Concat(fromJson.Issues).ToList(), differences);
    }
}
