using FhirServer.Conformance.FhirPath.Slicing;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Slicing;

/// <summary>
/// What puts a node in one slice: the slice's discriminators (<see cref="SliceDiscriminators"/>, compiled once) and,
/// for an extension slice whose type names an extension definition, that definition's url: an extension of another
/// url is never in the slice, whatever the discriminators say.
/// </summary>
internal sealed class SliceMatcher
{
    private readonly SliceDiscriminator[] _discriminators;
    private readonly string? _extensionUrl;

    private SliceMatcher(ElementSchema schema, SliceDiscriminator[] discriminators, string? extensionUrl)
    {
        Schema = schema;
        _discriminators = discriminators;
        _extensionUrl = extensionUrl;
        NeedsHooks = discriminators.Any(d => d.NeedsHooks);
    }

    public ElementSchema Schema { get; }

    /// <summary>Whether a discriminator needs references followed, value sets or profiles.</summary>
    public bool NeedsHooks { get; }

    public static SliceMatcher Compile(ElementSchema slice, ISliceDefinitions definitions)
    {
        var definition = slice.Definition;
        var url = definition.Name is "extension" or "modifierExtension" && definition.Types is [{ Code: "Extension", Profiles: [_] }]
            ? SliceDiscriminators.ExtensionUrl(definition, definitions)
            : null;
        return new SliceMatcher(slice, SliceDiscriminators.For(definition, definitions), url);
    }

    /// <summary>True when the node is in the slice, false when not, null when a discriminator cannot tell (<paramref name="why"/>).</summary>
    public bool? Matches(ElementNode node, in SliceHooks hooks, out string? why)
    {
        why = null;
        if (_extensionUrl is not null && node.Child("url")?.Value != _extensionUrl) return false;
        foreach (var d in _discriminators)
        {
            switch (d.Matches(node, hooks))
            {
                case false:
                    why = null;
                    return false;
                case null:
                    why ??= d.Undecided;
                    break;
            }
        }
        return why is null ? true : null;
    }

    /// <summary>The discriminators, as messages name them.</summary>
    public string Describe() => string.Join(" and ", _discriminators.Select(d => d.Description));
}
