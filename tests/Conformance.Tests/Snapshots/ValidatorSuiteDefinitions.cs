using System.Text.Json.Nodes;
using System.Xml;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Packages;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Snapshots;

/// <summary>
/// The StructureDefinitions among the supporting files of the HL7 validator suite (suites/validator-r4,
/// manifest-r4.json: each case's <c>supporting</c>, <c>profiles</c>, <c>profile.source</c> and
/// <c>profile.supporting</c>), each with what the cases that name it load beside it: the other definitions of those
/// cases (a profile's base is often one of them) and the packages they name, over the server's default set. JSON files
/// are read as written; XML files through our XML parser and JSON writer.
/// </summary>
public static class ValidatorSuiteDefinitions
{
    public sealed record Definition(string File, IReadOnlyList<string> Siblings, IReadOnlyList<string> Packages)
    {
        public override string ToString() => File;
    }

    private static readonly Lazy<IReadOnlyList<Definition>> LazyAll = new(ReadManifest);
    private static readonly Dictionary<string, ConformanceContext> Contexts = new(StringComparer.Ordinal);

    public static string Folder => Path.Combine(TestData.SharedRoot, "suites", "validator-r4");

    public static IReadOnlyList<Definition> All => LazyAll.Value;

    /// <summary>The default package set with the packages a definition's cases name, those that are here (one context per set, kept for the run).</summary>
    public static ConformanceContext ContextFor(Definition definition)
    {
        var available = definition.Packages.Where(IsAvailable).Order(StringComparer.Ordinal).ToList();
        var key = string.Join(" ", available);
        lock (Contexts)
        {
            if (Contexts.TryGetValue(key, out var context)) return context;
            var folders = new List<string> { TestData.PackagesFolder };
            var requested = PackageSettings.DefaultPackages.ToList();
            foreach (var package in available)
            {
                if (!package.EndsWith(".tgz", StringComparison.Ordinal))
                {
                    requested.Add(package);
                    continue;
                }
                // The suite names its tarballs name#version.tgz.
                var tarball = Path.Combine(Folder, package);
                folders.Add(Path.GetDirectoryName(tarball)!);
                requested.Add(Path.GetFileName(package)[..^4]);
            }
            var resolver = PackageResolver.CreateDefault(TestData.CacheFolder, folders.Distinct(), offline: true);
            var resolution = resolver.ResolveAsync(requested.Select(PackageReference.Parse)).GetAwaiter().GetResult();
            return Contexts[key] = new ConformanceContext(resolution);
        }
    }

    /// <summary>Whether a package a case names can be loaded offline: a tarball of the suite, or one in ../shared/fhir-packages.</summary>
    public static bool IsAvailable(string package)
    {
        if (package.EndsWith(".tgz", StringComparison.Ordinal)) return System.IO.File.Exists(Path.Combine(Folder, package));
        var reference = PackageReference.Parse(package);
        return Directory.EnumerateFiles(TestData.PackagesFolder, reference.Version is { } version ? $"{reference.Name}-{version}.tgz" : $"{reference.Name}-*.tgz").Any();
    }

    /// <summary>A suite file as a JSON resource; null when it does not parse.</summary>
    public static JsonObject? Read(ConformanceContext context, string file)
    {
        var bytes = System.IO.File.ReadAllBytes(Path.Combine(Folder, file));
        if (!file.EndsWith(".xml", StringComparison.Ordinal)) return JsonNode.Parse(bytes) as JsonObject;
        var parsed = context.Xml.Parse(bytes);
        return parsed.Resource is { } resource ? JsonNode.Parse(FhirJsonWriter.WriteToBytes(resource)) as JsonObject : null;
    }

    private static IReadOnlyList<Definition> ReadManifest()
    {
        var manifest = JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(Folder, "manifest-r4.json")))!;
        var siblings = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var packages = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var test in manifest["test-cases"]!.AsArray().OfType<JsonObject>())
        {
            var files = Strings(test["supporting"]).Concat(Strings(test["profiles"])).ToList();
            var named = Strings(test["packages"]).ToList();
            if (test["profile"] is JsonObject profile)
            {
                files.AddRange(Strings(profile["supporting"]));
                if ((string?)profile["source"] is { } source) files.Add(source);
                named.AddRange(Strings(profile["packages"]));
            }
            var definitions = files.Where(IsStructureDefinition).ToList();
            foreach (var file in definitions)
            {
                (siblings.TryGetValue(file, out var s) ? s : siblings[file] = new(StringComparer.Ordinal)).UnionWith(definitions.Where(d => d != file));
                (packages.TryGetValue(file, out var p) ? p : packages[file] = new(StringComparer.Ordinal)).UnionWith(named);
            }
        }
        return [.. siblings.Keys.Order(StringComparer.Ordinal).Select(f => new Definition(f, [.. siblings[f]], [.. packages[f]]))];
    }

    private static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(n => (string?)n).OfType<string>() : [];

    // The root of a suite file, read without a FHIR parser: which files are StructureDefinitions.
    private static bool IsStructureDefinition(string file)
    {
        var path = Path.Combine(Folder, file);
        if (!System.IO.File.Exists(path)) return false;
        if (file.EndsWith(".json", StringComparison.Ordinal))
            return JsonNode.Parse(System.IO.File.ReadAllBytes(path)) is JsonObject o && (string?)o["resourceType"] == "StructureDefinition";
        using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return reader.MoveToContent() == XmlNodeType.Element && reader.LocalName == "StructureDefinition";
    }
}
