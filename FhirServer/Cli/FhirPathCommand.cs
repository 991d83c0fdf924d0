using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Terminology;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Sources;

namespace FhirServer.Cli;

/// <summary>
/// <c>fhirpath "&lt;expression&gt;" [&lt;resource file&gt;]</c>: evaluates a FHIRPath expression and prints the result
/// collection as a JSON array of <c>{"type", "value"}</c> objects: primitives as their literal text, complex values
/// as their FHIR JSON.
/// </summary>
internal static class FhirPathCommand
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var expression = new Argument<string>("expression") { Description = "The FHIRPath expression" };
        var file = new Argument<FileInfo?>("resource") { Description = "Resource file (.json or .xml); without it the input is empty", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("fhirpath", "Evaluate a FHIRPath expression against a resource") { expression, file };
        CliContext.AddPackageOptions(command);
        command.SetAction(async (result, ct) =>
        {
            var text = result.GetValue(expression)!;
            var inFile = result.GetValue(file);
            if (inFile is { Exists: false })
            {
                Console.Error.WriteLine($"fhirpath: {inFile.FullName} does not exist");
                return 2;
            }
            CompiledExpression compiled;
            try
            {
                compiled = FhirPathEngine.Compile(text);
            }
            catch (FhirPathException e)
            {
                Console.Error.WriteLine($"fhirpath: {e.Kind.ToString().ToLowerInvariant()} error: {e.Message}");
                return 1;
            }
            var context = await CliContext.LoadAsync(result);
            ElementNode? input = null;
            if (inFile is not null)
            {
                var parsed = CliContext.Parse(context, inFile.FullName);
                CliContext.PrintIssues(parsed.Issues, inFile.Name);
                if (parsed.Resource is null)
                {
                    Console.Error.WriteLine("fhirpath: the resource could not be read");
                    return 1;
                }
                input = parsed.Resource;
            }
            IReadOnlyList<object> items;
            try
            {
                items = compiled.Evaluate(input, new FhirPathContext
                {
                    Registry = context.Registry,
                    // memberOf() over the loaded packages' value sets.
                    MemberOf = FhirPathMemberOf.For(new ValueSetMembership(new TerminologySources(context), new TerminologyOptions())),
                    Trace = (name, traced) => Console.Error.WriteLine($"trace {name}: {traced.Count} item(s)"),
                });
            }
            catch (FhirPathException e)
            {
                Console.Error.WriteLine($"fhirpath: {e.Kind.ToString().ToLowerInvariant()} error: {e.Message}");
                return 1;
            }
            // Through Console.Out (not the raw stream) so that redirected output, as in tests, sees it.
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            await using (var writer = new Utf8JsonWriter(buffer, Options)) Write(writer, items);
            await Console.Out.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan).AsMemory(), ct);
            return 0;
        });
        return command;
    }

    private static void Write(Utf8JsonWriter writer, IReadOnlyList<object> items)
    {
        writer.WriteStartArray();
        foreach (var item in items)
        {
            writer.WriteStartObject();
            writer.WriteString("type", SystemValues.TypeName(item));
            writer.WritePropertyName("value");
            if (item is ElementNode { HasValue: false } node)
                // Complex values (and resources) as FHIR JSON; FhirJsonWriter.Write writes a non-resource node's members.
                FhirJsonWriter.Write(writer, node);
            else
                writer.WriteStringValue(SystemValues.Format(item));
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
