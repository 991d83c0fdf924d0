using System.Collections.Frozen;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Search;
using FhirServer.Search;

namespace FhirServer.Authorization;

/// <summary>
/// The Patient compartment of the loaded packages (R4 compartmentdefinition-patient.html): for each resource type, the
/// search parameters that put a resource in a patient's compartment. Read once; a type it does not list is in no
/// patient's compartment.
/// </summary>
public sealed class PatientCompartment
{
    private readonly Lazy<FrozenDictionary<string, string[]>> _parameters;

    public PatientCompartment(ConformanceContext conformance) =>
        _parameters = new(() => Load(conformance));

    private static FrozenDictionary<string, string[]> Load(ConformanceContext conformance)
    {
        var result = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (conformance.Registry.Resolve("http://hl7.org/fhir/CompartmentDefinition/patient") is not { } entry) return result.ToFrozenDictionary();
        using var doc = conformance.Registry.ReadJson(entry);
        foreach (var resource in doc.RootElement.GetProperty("resource").EnumerateArray())
            if (resource.TryGetProperty("param", out var ps) && resource.GetProperty("code").GetString() is { } code)
                result[code] = [.. ps.EnumerateArray().Select(p => p.GetString()!)];
        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The compartment search of <paramref name="type"/> for a patient; null when no resource of the type is in it.</summary>
    public CompartmentSpec? For(string type, string patient)
    {
        if (!_parameters.Value.TryGetValue(type, out var names)) return null;
        // The Patient itself is in its compartment (R4 compartmentdefinition.html), whether or not the definition lists
        // "{def}" (R4's lists only "link" for Patient).
        return new CompartmentSpec("Patient", patient, [.. names.Where(n => n != "{def}")], type == "Patient");
    }

    /// <summary>Whether a resource about to be written, with these index rows, is in the patient's compartment.</summary>
    public bool Contains(string type, string id, IReadOnlyList<IndexEntry> index, string patient)
    {
        if (For(type, patient) is not { } spec) return false;
        if (spec.IncludesOwner && id == patient) return true;
        return index.Any(e => e.Value is ReferenceIndex { TargetType: "Patient" } r && r.TargetId == patient && spec.Parameters.Contains(e.Param));
    }
}
