namespace FhirServer.Conformance.FhirPath.Syntax;

/// <summary>
/// The depth of a syntax tree, measured without recursion: a tree is only known to be safe to walk recursively
/// (compiling, the static check, evaluation) once this has said how deep it is. A left-deep chain of operators
/// (<c>a | b | c | …</c>) or invocations (<c>x.f().g().h()…</c>) is as deep as it is long, however flat its text.
/// </summary>
public static class SyntaxDepth
{
    /// <summary>The number of nodes on the longest path from the root, and the deepest node (for its position).</summary>
    public static (int Depth, Expr Deepest) Of(Expr root)
    {
        var deepest = (Depth: 1, Node: root);
        var stack = new Stack<(Expr Node, int Depth)>();
        stack.Push((root, 1));
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            if (depth > deepest.Depth) deepest = (depth, node);
            foreach (var child in Children(node)) stack.Push((child, depth + 1));
        }
        return deepest;
    }

    private static IEnumerable<Expr> Children(Expr node) => node switch
    {
        MemberExpr m => [m.Target],
        FunctionCallExpr f => f.Target is null ? f.Arguments : [f.Target, .. f.Arguments],
        IndexerExpr i => [i.Target, i.Index],
        UnaryExpr u => [u.Operand],
        BinaryExpr b => [b.Left, b.Right],
        TypeOperatorExpr t => [t.Operand],
        _ => [],
    };
}
