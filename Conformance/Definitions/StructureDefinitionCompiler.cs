using System.Text.Json;

namespace FhirServer.Conformance.Definitions;

/// <summary>
/// Turns a StructureDefinition's JSON into a <see cref="StructureDefinitionInfo"/>: the snapshot's flat element list
/// becomes a tree (parents by element id, slices attached to the element they slice, contentReference resolved).
/// Reads the JSON directly: the compiled form is what the parsers and the registry need, nothing more.
/// </summary>
public static class StructureDefinitionCompiler
{
    internal const string FhirTypeExtension = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type";
    private const string RegexExtension = "http://hl7.org/fhir/StructureDefinition/regex";
    internal const string SystemTypePrefix = "http://hl7.org/fhirpath/System.";

    public static StructureDefinitionInfo Compile(JsonElement sd, string? source = null)
    {
        var url = sd.GetProperty("url").GetString()!;
        var type = Str(sd, "type") ?? Str(sd, "id") ?? url;
        var info = new StructureDefinitionInfo(
            url, Str(sd, "version"), Str(sd, "name") ?? type, type, Str(sd, "kind") ?? "logical",
            sd.TryGetProperty("abstract", out var a) && a.ValueKind == JsonValueKind.True,
            Str(sd, "derivation"), Str(sd, "baseDefinition"), source);

        // A definition is read as it comes (a file loaded as is): what is not of the kind R4 gives it counts as absent.
        if (Property(sd, "snapshot") is not { } snapshot || Property(snapshot, "element") is not { ValueKind: JsonValueKind.Array } elements)
            return info;

        // Old snapshots may lack element ids: synthesize them from the path and the slice being walked.
        var sliceContext = new Dictionary<string, string>(StringComparer.Ordinal);
        var references = new List<ElementDefinitionInfo>();
        foreach (var e in elements.EnumerateArray())
        {
            if (Str(e, "path") is not { } path) continue;
            var sliceName = Str(e, "sliceName");
            var id = Str(e, "id") ?? ElementIds.Synthesize(path, sliceName, sliceContext);
            var element = new ElementDefinitionInfo(info, id, path, sliceName);
            Fill(element, e, info);
            info.Add(element);
            if (element.ContentReference is not null) references.Add(element);

            if (info.Root is null && !path.Contains('.'))
            {
                info.Root = element;
                continue;
            }
            Attach(info, element);
        }

        foreach (var r in references)
        {
            var target = r.ContentReference!;
            var hash = target.IndexOf('#');
            var targetId = hash >= 0 ? target[(hash + 1)..] : target;
            var referenced = info.GetById(targetId) ?? info.Elements.FirstOrDefault(x => x.Path == targetId && x.SliceName is null);
            if (referenced is not null) r.SetReference(referenced);
        }

        if (info.IsPrimitive)
        {
            var valueElement = elements.EnumerateArray().FirstOrDefault(x => Str(x, "path") == type + ".value");
            if (valueElement.ValueKind == JsonValueKind.Object)
                foreach (var t in Items(valueElement, "type"))
                    info.ValueRegex ??= ExtensionValue(t, RegexExtension);
        }
        return info;
    }

    private static void Attach(StructureDefinitionInfo info, ElementDefinitionInfo element)
    {
        var id = element.Id;
        var lastDot = ElementIds.LastSegmentStart(id);
        var lastSegment = id[(lastDot + 1)..];
        var colon = lastSegment.IndexOf(':');
        if (colon >= 0)
        {
            // A slice (or re-slice "a:b/c"): attach to the element it slices.
            var slashAt = lastSegment.LastIndexOf('/');
            var slicedId = slashAt > colon ? id[..(lastDot + 1 + slashAt)] : id[..(lastDot + 1 + colon)];
            var sliced = info.GetById(slicedId);
            if (sliced is not null)
            {
                sliced.AddSlice(element);
                return;
            }
        }
        if (lastDot < 0) return;
        var parent = info.GetById(id[..lastDot]);
        parent?.AddChild(element);
    }

    private static void Fill(ElementDefinitionInfo element, JsonElement e, StructureDefinitionInfo sd)
    {
        element.Min = Property(e, "min") is { ValueKind: JsonValueKind.Number } min && min.TryGetInt32(out var n) ? n : 0;
        element.Max = Str(e, "max") ?? "*";
        var baseMax = Property(e, "base") is { } b ? Str(b, "max") : null;
        var max = baseMax ?? element.Max;
        element.IsCollection = max != "1" && max != "0";
        element.ContentReference = Str(e, "contentReference");
        element.IsModifier = e.TryGetProperty("isModifier", out var m) && m.ValueKind == JsonValueKind.True;
        element.IsSummary = e.TryGetProperty("isSummary", out var s) && s.ValueKind == JsonValueKind.True;
        element.IsXmlAttribute = Items(e, "representation").Any(r => r.ValueKind == JsonValueKind.String && r.GetString() == "xmlAttr");

        if (Property(e, "type") is { ValueKind: JsonValueKind.Array })
        {
            var list = new List<TypeRef>();
            foreach (var t in Items(e, "type"))
            {
                var code = Str(t, "code");
                if (code is null) continue;
                if (code.StartsWith(SystemTypePrefix, StringComparison.Ordinal))
                    code = ExtensionValue(t, FhirTypeExtension) ?? SystemToFhir(code);
                // R4 §2.36 declares Resource.id of type id; the 4.0.1 snapshots label it System.String / string.
                if (code == "string" && element.Name == "id" && element.Path.Count(c => c == '.') == 1 && sd.Kind == "resource")
                    code = "id";
                list.Add(new TypeRef(code, Strings(t, "profile"), Strings(t, "targetProfile")));
            }
            element.Types = list;
        }

        if (Property(e, "binding") is { ValueKind: JsonValueKind.Object } binding)
            element.Binding = new ElementBinding(Str(binding, "strength") ?? "example", Str(binding, "valueSet"));

        if (Property(e, "constraint") is { ValueKind: JsonValueKind.Array })
            element.Constraints = Items(e, "constraint")
                .Select(c => new ElementConstraint(Str(c, "key") ?? "", Str(c, "severity") ?? "error", Str(c, "human") ?? "",
                    Str(c, "expression"), Str(c, "source")))
                .ToList();
    }

    private static string SystemToFhir(string systemType) => systemType[SystemTypePrefix.Length..] switch
    {
        "String" => "string",
        "Boolean" => "boolean",
        "Integer" => "integer",
        "Decimal" => "decimal",
        "Date" => "date",
        "DateTime" => "dateTime",
        "Time" => "time",
        var other => other,
    };

    private static string? ExtensionValue(JsonElement owner, string url)
    {
        foreach (var ext in Items(owner, "extension"))
        {
            if (Str(ext, "url") != url) continue;
            foreach (var p in ext.EnumerateObject())
                if (p.Name.StartsWith("value", StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.String)
                    return p.Value.GetString();
        }
        return null;
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static JsonElement? Property(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : null;

    // The items of an array property; none when it is absent or not an array.
    private static IEnumerable<JsonElement> Items(JsonElement e, string name) =>
        Property(e, name) is { ValueKind: JsonValueKind.Array } v ? v.EnumerateArray() : [];

    private static IReadOnlyList<string> Strings(JsonElement e, string name) =>
        Property(e, name) is { ValueKind: JsonValueKind.Array } v
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
            : [];
}
