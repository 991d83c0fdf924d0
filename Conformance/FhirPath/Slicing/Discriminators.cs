using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Slicing;

// The kinds of SliceDiscriminator. Each walks its path with a struct visitor: no allocation per item.

/// <summary>A value the item must hold at the discriminator path: exactly (fixed) or containing it (pattern); a string is an extension's url.</summary>
internal readonly record struct ExpectedValue(ElementNode? Node, string? Text, bool Exact)
{
    public bool IsMetBy(ElementNode actual) =>
        Node is null ? actual.Value == Text : Exact ? FhirValueMatch.SameValue(actual, Node) : FhirValueMatch.ContainsPattern(actual, Node);
}

internal sealed class UndecidableDiscriminator(string why) : SliceDiscriminator(null, why)
{
    public override bool NeedsHooks => false;

    public override bool? Matches(ElementNode item, in SliceHooks hooks) => null;
}

internal sealed class ValueDiscriminator(DiscriminatorPath path, ExpectedValue[] expected, string what) : SliceDiscriminator(path, what)
{
    public override bool? Matches(ElementNode item, in SliceHooks hooks)
    {
        var unresolved = 0;
        foreach (var e in expected)
        {
            var visitor = new Find(e);
            Path!.Walk(item, ref visitor, hooks.Resolve, ref unresolved);
            if (!visitor.Found) return false;
        }
        return true;
    }

    private struct Find(ExpectedValue expected) : DiscriminatorPath.IVisitor
    {
        public bool Found;

        public bool Visit(ElementNode node) => !(Found = expected.IsMetBy(node));
    }
}

internal sealed class ExistsDiscriminator(DiscriminatorPath path, bool present, string what) : SliceDiscriminator(path, what)
{
    public override bool? Matches(ElementNode item, in SliceHooks hooks)
    {
        var unresolved = 0;
        var visitor = new Any();
        Path!.Walk(item, ref visitor, hooks.Resolve, ref unresolved);
        return visitor.Found == present;
    }

    private struct Any : DiscriminatorPath.IVisitor
    {
        public bool Found;

        public bool Visit(ElementNode node)
        {
            Found = true;
            return false;
        }
    }
}

internal sealed class TypeDiscriminator(DiscriminatorPath path, string[] types, DefinitionRegistry registry, string what)
    : SliceDiscriminator(path, what)
{
    public override string Undecided => $"{Description}: the reference cannot be resolved here";

    public override bool? Matches(ElementNode item, in SliceHooks hooks)
    {
        var unresolved = 0;
        var visitor = new AllOfType(types, registry);
        Path!.Walk(item, ref visitor, hooks.Resolve, ref unresolved);
        if (visitor.Mismatch) return false;
        if (visitor.Count == 0) return Path.Resolves ? null : false;
        return true;
    }

    private struct AllOfType(string[] types, DefinitionRegistry registry) : DiscriminatorPath.IVisitor
    {
        public int Count;
        public bool Mismatch;

        public bool Visit(ElementNode node)
        {
            Count++;
            foreach (var t in types)
                if (TypeOperations.Inherits(node.Type, t, registry)) return true;
            Mismatch = true;
            return false;
        }
    }
}

/// <summary>A profile a profile discriminator accepts, with the type it constrains (a node of another type cannot conform).</summary>
internal readonly record struct AcceptedProfile(string Canonical, string Type);

internal sealed class ProfileDiscriminator(DiscriminatorPath path, AcceptedProfile[] profiles, DefinitionRegistry registry, string what)
    : SliceDiscriminator(path, what)
{
    public override string Undecided => Path!.Resolves
        ? $"{Description}: the reference cannot be resolved here, or conformance to its profile needs the validator"
        : $"{Description}: conformance to a profile needs the validator";

    public override bool NeedsHooks => true;

    public override bool? Matches(ElementNode item, in SliceHooks hooks)
    {
        var unresolved = 0;
        var visitor = new AllConform(profiles, registry, hooks.ConformsTo);
        Path!.Walk(item, ref visitor, hooks.Resolve, ref unresolved);
        if (visitor.Result == false) return false;
        if (visitor.Count == 0) return Path.Resolves ? null : false;
        return visitor.Result;
    }

    private struct AllConform(AcceptedProfile[] profiles, DefinitionRegistry registry, Func<ElementNode, string, bool?>? conformsTo)
        : DiscriminatorPath.IVisitor
    {
        public int Count;
        public bool? Result = true;

        public bool Visit(ElementNode node)
        {
            Count++;
            bool? any = false;
            foreach (var p in profiles)
            {
                if (!TypeOperations.Inherits(node.Type, p.Type, registry)) continue;
                var answer = conformsTo?.Invoke(node, p.Canonical);
                if (answer == true)
                {
                    any = true;
                    break;
                }
                if (answer is null) any = null;
            }
            if (any == false)
            {
                Result = false;
                return false;
            }
            if (any is null) Result = null;
            return true;
        }
    }
}

/// <summary>A value or pattern discriminator on a code whose slice binds it to a value set (required): a member of it.</summary>
internal sealed class BindingDiscriminator(DiscriminatorPath path, string valueSet, string what) : SliceDiscriminator(path, what)
{
    public string ValueSet { get; } = valueSet;

    public override string Undecided => $"{Description} is a required binding, which needs the terminology layer";

    public override bool NeedsHooks => true;

    public override bool? Matches(ElementNode item, in SliceHooks hooks)
    {
        var unresolved = 0;
        var visitor = new AnyMember(ValueSet, hooks.MemberOf);
        Path!.Walk(item, ref visitor, hooks.Resolve, ref unresolved);
        return visitor.Result;
    }

    private struct AnyMember(string valueSet, Func<ElementNode, string, bool?>? memberOf) : DiscriminatorPath.IVisitor
    {
        public bool? Result = false;

        public bool Visit(ElementNode node)
        {
            var answer = memberOf?.Invoke(node, valueSet);
            if (answer == true)
            {
                Result = true;
                return false;
            }
            if (answer is null) Result = null;
            return true;
        }
    }
}
