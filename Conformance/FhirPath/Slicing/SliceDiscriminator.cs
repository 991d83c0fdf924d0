using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Slicing;

/// <summary>
/// One discriminator of a slice, compiled with what the slice requires at its path (R4 profiling.html §5.1.0.7):
/// <list type="bullet">
/// <item><c>value</c> / <c>pattern</c>: the values at the path hold the fixed[x] (exactly) or pattern[x] (contain it)
/// the slice sets; on a required binding, a code of its value set (<see cref="SliceHooks.MemberOf"/>);</item>
/// <item><c>exists</c>: the path is present (min ≥ 1) or absent (max 0);</item>
/// <item><c>type</c>: the node at the path (the resource a final <c>resolve()</c> finds) is of a type the slice allows;</item>
/// <item><c>profile</c>: it conforms to a profile the slice's type names (<see cref="SliceHooks.ConformsTo"/>).</item>
/// </list>
/// Immutable; shared by every evaluation.
/// </summary>
public abstract class SliceDiscriminator
{
    private protected SliceDiscriminator(DiscriminatorPath? path, string description)
    {
        Path = path;
        Description = description;
    }

    /// <summary>The compiled path (null when the path could not be compiled).</summary>
    public DiscriminatorPath? Path { get; }

    /// <summary>What the discriminator is, as messages name it: <c>the 'value' discriminator 'system'</c>.</summary>
    public string Description { get; }

    /// <summary>Why <see cref="Matches"/> may answer null, for messages.</summary>
    public virtual string Undecided => Description;

    /// <summary>Whether the answer needs a reference followed, a value set or a profile (a hook of <see cref="SliceHooks"/>).</summary>
    public virtual bool NeedsHooks => Path?.Resolves == true;

    /// <summary>Whether <paramref name="item"/> holds what the slice requires: true, false, or null when it cannot be told.</summary>
    public abstract bool? Matches(ElementNode item, in SliceHooks hooks);
}
