using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath.Slicing;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>The definitions slice() reads: the loaded packages, their ElementDefinitions through <see cref="DefinitionNodes"/>.</summary>
internal sealed class RegistrySliceDefinitions(DefinitionRegistry registry) : ISliceDefinitions
{
    public DefinitionRegistry Registry => registry;

    public ElementNode? ElementDefinition(ElementDefinitionInfo element) => DefinitionNodes.Find(element, registry);

    // A profile is often named with the version of the package it was built against; take the one loaded.
    public StructureDefinitionInfo? Profile(string canonical) =>
        registry.GetStructureDefinition(canonical)
        ?? (canonical.IndexOf('|') is var bar and > 0 ? registry.GetStructureDefinition(canonical[..bar]) : null);
}
