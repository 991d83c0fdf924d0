using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Slicing;

/// <summary>
/// Where the discriminators of a slice are read from: the ElementDefinitions as FHIR data (fixed[x], pattern[x] and
/// slicing are not in <see cref="ElementDefinitionInfo"/>) and the profiles types name. The FHIRPath engine reads the
/// loaded packages; the validator also knows the profiles added to it.
/// </summary>
public interface ISliceDefinitions
{
    DefinitionRegistry Registry { get; }

    /// <summary>The snapshot element as an ElementNode of type ElementDefinition; null when it cannot be read.</summary>
    ElementNode? ElementDefinition(ElementDefinitionInfo element);

    /// <summary>The StructureDefinition of a canonical (<c>url</c> or <c>url|version</c>); null when unknown.</summary>
    StructureDefinitionInfo? Profile(string canonical);
}
