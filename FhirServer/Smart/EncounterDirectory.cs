using System.Text.Json;
using FhirServer.Search;
using FhirServer.Storage;

namespace FhirServer.Smart;

/// <summary>
/// The Encounters a user may choose for <c>launch/encounter</c> in a standalone launch (SMART App Launch
/// <c>context-standalone-encounter</c>): those of the patient in context, the latest first (the first
/// <see cref="SmartSettings.PatientPickerLimit"/>), labelled as the encounter picker and the consent page show them.
/// </summary>
public sealed class EncounterDirectory(IResourceStore store, SqlSearch search, SearchQueryParser parser, ServerSettings server, SmartSettings settings)
{
    public sealed record Choice(string Id, string Label);

    /// <summary>The patient's encounters, and whether more exist than are listed.</summary>
    public async Task<(IReadOnlyList<Choice> Choices, bool More)> ChoicesAsync(string patient, string baseUrl, CancellationToken ct)
    {
        var query = parser.Parse("Encounter", [new("patient", "Patient/" + patient), new("_sort", "-date"),
            new("_count", settings.PatientPickerLimit.ToString(System.Globalization.CultureInfo.InvariantCulture))], strict: false);
        var page = await search.RunAsync(query, null, baseUrl, ct);
        var choices = page.Matches.Where(m => !m.Deleted).Select(m => new Choice(m.Id, Label(m))).ToList();
        return (choices, page.NextCursor is not null);
    }

    /// <summary>The encounter's label when it exists and is one of this patient's; null otherwise.</summary>
    public async Task<string?> LabelAsync(string patient, string id, CancellationToken ct)
    {
        if (!Conformance.Serialization.PrimitiveRules.IsId(id) || await store.ReadAsync("Encounter", id, ct) is not { Deleted: false } version) return null;
        using var doc = JsonDocument.Parse(version.Body, server.StoredJsonOptions());
        var subject = doc.RootElement.TryGetProperty("subject", out var s) && s.ValueKind == JsonValueKind.Object
            && s.TryGetProperty("reference", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        // A relative reference, or an absolute one to this server's Patient (…/Patient/id).
        return subject == "Patient/" + patient || subject?.EndsWith("/Patient/" + patient, StringComparison.Ordinal) == true ? Label(version) : null;
    }

    // The type (or class), the start of the period and the status: "Consultation — 2024-05-02 (finished)".
    private string Label(StoredVersion version)
    {
        using var doc = JsonDocument.Parse(version.Body, server.StoredJsonOptions());
        var root = doc.RootElement;
        string? what = null;
        if (root.TryGetProperty("type", out var types) && types.ValueKind == JsonValueKind.Array && types.GetArrayLength() > 0)
            what = Text(types[0]);
        if (what is null && root.TryGetProperty("class", out var cls) && cls.ValueKind == JsonValueKind.Object)
            what = Str(cls, "display") ?? Str(cls, "code");
        var start = root.TryGetProperty("period", out var period) && period.ValueKind == JsonValueKind.Object ? Str(period, "start") : null;
        var label = what ?? "Encounter/" + version.Id;
        if (start is not null) label += " — " + start;
        return Str(root, "status") is { } status ? $"{label} ({status})" : label;
    }

    private static string? Text(JsonElement concept)
    {
        if (concept.ValueKind != JsonValueKind.Object) return null;
        if (Str(concept, "text") is { } text) return text;
        if (concept.TryGetProperty("coding", out var codings) && codings.ValueKind == JsonValueKind.Array)
        {
            foreach (var coding in codings.EnumerateArray())
            {
                if (coding.ValueKind == JsonValueKind.Object && (Str(coding, "display") ?? Str(coding, "code")) is { } shown) return shown;
            }
        }
        return null;
    }

    private static string? Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;
}
