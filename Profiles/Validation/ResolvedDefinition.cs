using System.Text.Json;
using FhirServer.Conformance.Definitions;

namespace FhirServer.Profiles.Validation;

/// <summary>
/// A StructureDefinition ready to compile: its element tree and its JSON with a snapshot, whose
/// <c>snapshot.element[i]</c> is <c>Info.Elements[i]</c>. The JSON carries what the element tree leaves out
/// (fixed and pattern values, value ranges, slicing, constraint extensions).
/// </summary>
public sealed record ResolvedDefinition(StructureDefinitionInfo Info, JsonElement Json)
{
    public string Canonical => Info.Version is null ? Info.Url : $"{Info.Url}|{Info.Version}";
}
