using System.Text.Json;

namespace FhirServer.Profiles.Validation.Schemas;

/// <summary>
/// Compiles one aspect of an ElementDefinition into checks. <see cref="SchemaCompiler"/> asks each builder in turn for
/// every element of a snapshot; a builder adds nothing when its aspect is absent.
/// </summary>
public interface IAspectBuilder
{
    /// <param name="element">The element being compiled (its definition, and the schema it lies in).</param>
    /// <param name="json">The snapshot's ElementDefinition as published: what the element tree does not keep.</param>
    /// <param name="checks">Where the builder adds its checks, in the order they should run.</param>
    void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks);
}
