using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// Rules about one resource type's content that no ElementDefinition states: those the specification gives in prose
/// on the resource's page (a composite search parameter has components, a value set includes code systems by their
/// absolute url…). Run once per resource node of <see cref="ResourceType"/> (null: every resource), after its
/// elements were checked.
/// </summary>
public interface IResourceCheck
{
    string? ResourceType { get; }

    void Check(ElementNode resource, ValidationState state);
}
