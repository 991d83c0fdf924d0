using System.Text.Json;

namespace FhirServer.Conformance.Packages;

// The top-level members of a resource (or of an .index.json line) that make up an index entry. Nested values are
// skipped token by token, never materialised, which keeps indexing a 70 MB terminology package cheap.
internal struct ResourceFields
{
    public string? FileName;
    public string? ResourceType;
    public string? Id;
    public string? Url;
    public string? Version;
    public string? Kind;
    public string? Type;
    public string? Supplements;

    // The reader is positioned on the object's StartObject token; on return, on its EndObject token.
    public void ReadObjectBody(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth) return;
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                reader.Skip();
                continue;
            }
            var member = Member(ref reader);
            reader.Read();
            if (member != 0 && reader.TokenType == JsonTokenType.String) Set(member, reader.GetString());
            else reader.Skip();
        }
    }

    private static int Member(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("resourceType"u8)) return 1;
        if (reader.ValueTextEquals("id"u8)) return 2;
        if (reader.ValueTextEquals("url"u8)) return 3;
        if (reader.ValueTextEquals("version"u8)) return 4;
        if (reader.ValueTextEquals("kind"u8)) return 5;
        if (reader.ValueTextEquals("type"u8)) return 6;
        if (reader.ValueTextEquals("supplements"u8)) return 7;
        if (reader.ValueTextEquals("filename"u8)) return 8;
        return 0;
    }

    private void Set(int member, string? value)
    {
        switch (member)
        {
            case 1: ResourceType = value; break;
            case 2: Id = value; break;
            case 3: Url = value; break;
            case 4: Version = value; break;
            case 5: Kind = value; break;
            case 6: Type = value; break;
            case 7: Supplements = value; break;
            case 8: FileName = value; break;
        }
    }

    public readonly PackageIndexEntry? ToEntry() =>
        FileName is { Length: > 0 } file && ResourceType is { Length: > 0 } type && PackageFiles.IsPlainFileName(file)
            ? new PackageIndexEntry(file, type, Id, Url, Version, Kind, Type) { Supplements = Supplements }
            : null;
}
