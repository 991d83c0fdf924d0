using FhirServer.Conformance.Definitions;

namespace FhirServer.Profiles.Validation.Schemas;

/// <summary>A StructureDefinition compiled for validation: the element schemas of its snapshot, from the root.</summary>
public sealed class ProfileSchema
{
    internal ProfileSchema(ResolvedDefinition definition)
    {
        Definition = definition;
        Canonical = definition.Canonical;
    }

    public ResolvedDefinition Definition { get; }
    public StructureDefinitionInfo Info => Definition.Info;
    public string Url => Info.Url;
    /// <summary><c>url|version</c> (or <c>url</c>), as issues name the definition they come from.</summary>
    public string Canonical { get; }
    /// <summary>The type the definition constrains (StructureDefinition.type).</summary>
    public string Type => Info.Type;
    public ElementSchema Root { get; internal set; } = null!;

    public override string ToString() => Canonical;
}
