using System.Text.Json;

namespace FhirServer.Profiles.Validation.Schemas;

/// <summary>Compiles ElementDefinition.slicing of a sliced element (whose <see cref="ElementSchema.Slices"/> are set).</summary>
public interface ISlicingBuilder
{
    /// <returns>The compiled slicing, or null when the element is not sliced.</returns>
    ISlicing? Build(ElementSchema sliced, JsonElement json);
}
