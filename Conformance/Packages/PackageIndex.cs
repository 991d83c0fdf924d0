using System.Text.Json;

namespace FhirServer.Conformance.Packages;

// Reads and writes package/.index.json (https://hl7.org/fhir/packages.html#2.1.10.4). Versions 1 and 2 of the
// format share the "files" array and its members, which is all we read; we write version 1. The reader walks the
// tokens itself: r4.core's index has 4,580 entries and start-up time is dominated by reading these files.
internal static class PackageIndex
{
    public const string FileName = ".index.json";

    // Null when the file is not a readable index, so the caller rebuilds it from the resources.
    public static List<PackageIndexEntry>? TryRead(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        return TryParse(bytes);
    }

    // Null when the bytes are not a readable index.
    public static List<PackageIndexEntry>? TryParse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return Parse(JsonBytes.WithoutBom(bytes));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static List<PackageIndexEntry>? Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
        List<PackageIndexEntry>? entries = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isFiles = reader.ValueTextEquals("files"u8);
            reader.Read();
            if (!isFiles || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }
            entries = [];
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                var fields = new ResourceFields();
                fields.ReadObjectBody(ref reader);
                if (fields.ToEntry() is { } entry) entries.Add(entry);
            }
        }
        return entries;
    }

    public static void Write(string path, IEnumerable<PackageIndexEntry> entries)
    {
        // Write beside the target and rename over it: a reader in another process sees the old file or the new one.
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = File.Create(temp))
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteNumber("index-version", 1);
                writer.WriteStartArray("files");
                foreach (var e in entries)
                {
                    writer.WriteStartObject();
                    writer.WriteString("filename", e.FileName);
                    writer.WriteString("resourceType", e.ResourceType);
                    WriteOptional(writer, "id", e.Id);
                    WriteOptional(writer, "url", e.Url);
                    WriteOptional(writer, "version", e.Version);
                    WriteOptional(writer, "kind", e.Kind);
                    WriteOptional(writer, "type", e.Type);
                    WriteOptional(writer, "supplements", e.Supplements);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null) writer.WriteString(name, value);
    }
}
