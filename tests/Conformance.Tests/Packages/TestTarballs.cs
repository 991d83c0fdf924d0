using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace FhirServer.Conformance.Tests.Packages;

// Small npm tarballs built in memory, so tests control every entry (including hostile ones).
internal static class TestTarballs
{
    public static byte[] Build(params (string Name, string Content)[] files) =>
        Build(files.Select(f => (f.Name, Encoding.UTF8.GetBytes(f.Content))).ToArray());

    public static byte[] Build(params (string Name, byte[] Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in files)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
        }
        return buffer.ToArray();
    }

    public static string Manifest(string name, string version, params (string Name, string Version)[] dependencies) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["name"] = name,
            ["version"] = version,
            ["fhirVersions"] = new[] { "4.0.1" },
            ["canonical"] = $"http://example.org/{name}",
            ["dependencies"] = dependencies.ToDictionary(d => d.Name, d => d.Version),
        });

    public static string StructureDefinition(string id, string version = "1.0.0") =>
        $$$"""{"resourceType":"StructureDefinition","id":"{{{id}}}","url":"http://example.org/StructureDefinition/{{{id}}}","version":"{{{version}}}","kind":"resource","type":"Patient","snapshot":{"element":[{"id":"Patient","path":"Patient"}]}}""";

    // A complete package: package.json plus one StructureDefinition, no .index.json (the cache builds it).
    public static byte[] Package(string name, string version, params (string Name, string Version)[] dependencies) =>
        Build(
            ("package/package.json", Manifest(name, version, dependencies)),
            ($"package/StructureDefinition-{name}.json", StructureDefinition(name, version)));

    public static void WritePackage(string folder, string name, string version, params (string Name, string Version)[] dependencies) =>
        File.WriteAllBytes(Path.Combine(folder, $"{name}-{version}.tgz"), Package(name, version, dependencies));
}
