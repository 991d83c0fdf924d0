using System.Text.Json;

namespace FhirServer.Conformance.Packages;

// Builds the index of a package that ships without .index.json (hl7.terminology.r4, hl7.fhir.uv.extensions.r4, ...).
// Per the package spec only the files directly in package/ are the package's resources (example/, other/, xml/
// hold other material). Most are *.json, but hl7.fhir.r4.expansions has extension-less resource files, so any
// top-level file whose content is a JSON object with a resourceType counts.
internal static class PackageIndexBuilder
{
    public static List<PackageIndexEntry> Build(string packageDirectory)
    {
        var files = new DirectoryInfo(packageDirectory).EnumerateFiles()
            .Where(f => f.Name is not PackageManifest.FileName and not PackageIndex.FileName)
            .Select(f => f.FullName)
            .ToArray();
        var entries = new PackageIndexEntry?[files.Length];
        // Thousands of small files: reading them in parallel hides the file system's latency.
        Parallel.For(0, files.Length, i => entries[i] = TryIndex(files[i]));
        return [.. entries.OfType<PackageIndexEntry>().OrderBy(e => e.FileName, StringComparer.Ordinal)];
    }

    public static PackageIndexEntry? TryIndex(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        return TryIndex(Path.GetFileName(path), bytes);
    }

    public static PackageIndexEntry? TryIndex(string fileName, ReadOnlySpan<byte> content)
    {
        var json = JsonBytes.WithoutBom(content);
        var start = json.IndexOfAnyExcept(" \t\r\n"u8);
        // Cheap rejection of binaries and non-object JSON before handing the bytes to the reader.
        if (start < 0 || json[start] != (byte)'{') return null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            reader.Read();
            var fields = new ResourceFields();
            fields.ReadObjectBody(ref reader);
            fields.FileName = fileName;
            return fields.ToEntry();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
