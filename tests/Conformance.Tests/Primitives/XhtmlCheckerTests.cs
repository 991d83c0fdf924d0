using FhirServer.Conformance.Serialization;

namespace FhirServer.Conformance.Tests.Primitives;

public class XhtmlCheckerTests
{
    public enum Expect
    {
        // Certainly well-formed: decided by the single-pass scanner alone.
        Fast,
        // Well-formed, but through a construct the scanner leaves to the XmlReader reference.
        ValidByReference,
        Invalid,
    }

    private const string X = "xmlns=\"http://www.w3.org/1999/xhtml\"";

    private static readonly (string Fragment, Expect Expect, string Class)[] Fragments =
    [
        ($"<div {X}/>", Expect.Fast, "empty root"),
        ($"<div {X}>text</div>", Expect.Fast, "text"),
        ($"<div {X}><p>a<b>b</b></p><br/><br /></div>", Expect.Fast, "nested and self-closing elements"),
        ($"<div {X}><table border=\"1\" class='x'><tr><td colspan=\"2\">a</td></tr></table></div>", Expect.Fast, "attributes in both quotes"),
        ($"<div {X}><p class = \"a\" >x</p ></div>", Expect.Fast, "spaces around = and before >"),
        ($"<div\n\t{X}\r\n>x</div\n>", Expect.Fast, "line breaks inside tags"),
        ($"<div {X}><img src=\"x\" alt=\"\"/></div>", Expect.Fast, "empty attribute value"),
        ($"<div {X}>&lt;&gt;&amp;&quot;&apos;</div>", Expect.Fast, "the five predefined entities"),
        ($"<div {X}>&#160;&#xA0;&#x1F600;&#x10FFFF;&#0065;&#xD;</div>", Expect.Fast, "character references"),
        ($"<div {X}><a href=\"x?a=1&amp;b=2\" title=\"a > b &#60; c\">x</a></div>", Expect.Fast, "references and > in attributes"),
        ($"<div {X}><!-- comment - with hyphen --><!----></div>", Expect.Fast, "comments"),
        ($"<div {X}><![CDATA[ <not markup> & ]] ]]></div>", Expect.Fast, "CDATA"),
        ($"<div {X}>a]]b ]> ]</div>", Expect.Fast, "brackets that do not close a CDATA"),
        ("<h:div xmlns:h=\"http://www.w3.org/1999/xhtml\"><h:p h:class=\"c\" class=\"d\">x</h:p></h:div>", Expect.Fast, "prefixed div"),
        ("<h:div xmlns:h=\"http://www.w3.org/1999/xhtml\" xmlns:g=\"urn:g\"><h:p h:class=\"c\" g:class=\"d\">x</h:p></h:div>", Expect.ValidByReference, "one local name under two prefixes"),
        ($"\n  <!-- before --><div {X}/><!-- after -->\r\n", Expect.Fast, "whitespace and comments around the root"),
        ($"<div {X} xml:lang=\"fr\" lang=\"fr\" xml:space=\"preserve\">\u00E9t\u00E9 \U0001F600 \u0085\u007F</div>", Expect.Fast, "non-ASCII text and xml attributes"),
        ($"<div {X} title=\"\u0080\u009F\uFFFD\">\u0080\u009F\uE000\uFFFD</div>", Expect.Fast, "C1 controls and private use"),
        ($"<div {X}><p xmlns=\"http://www.w3.org/1999/xhtml\">x</p><span xmlns=\"\">y</span></div>", Expect.Fast, "default namespace on inner elements"),
        ($"<div {X} xmlns:xlink=\"http://www.w3.org/1999/xlink\"><a xlink:href=\"#x\">x</a></div>", Expect.Fast, "prefix declared on the root"),
        ($"<div {X}><_a.b-c_d/></div>", Expect.Fast, "name punctuation"),

        ($"<?xml version=\"1.0\"?><div {X}/>", Expect.ValidByReference, "XML declaration"),
        ($"<div {X}><?pi data?></div>", Expect.ValidByReference, "processing instruction"),
        ($"<div {X}><svg xmlns:s=\"urn:svg\"><s:g/></svg></div>", Expect.ValidByReference, "prefix declared below the root"),
        ($"<div {X}><caf\u00E9/></div>", Expect.ValidByReference, "non-ASCII element name"),
        ($"<div {X} xml:base=\"http://x/\"/>", Expect.ValidByReference, "other xml attribute"),
        ($"<div {X}>&#00000065;</div>", Expect.ValidByReference, "long zero-padded character reference"),
        ($"<div {X}>" + string.Concat(Enumerable.Repeat("<b>", 70)) + string.Concat(Enumerable.Repeat("</b>", 70)) + "</div>", Expect.ValidByReference, "very deep nesting"),

        ($"<div {X}><p>unclosed</div>", Expect.Invalid, "unclosed inner tag"),
        ($"<div {X}><p>", Expect.Invalid, "unclosed at the end"),
        ($"<div {X}><b><i>x</b></i></div>", Expect.Invalid, "mismatched tags"),
        ($"<div {X}>&nbsp;</div>", Expect.Invalid, "HTML entity nbsp"),
        ($"<div {X}>&#0;</div>", Expect.Invalid, "reference to NUL"),
        ($"<div {X}>&#x110000;</div>", Expect.Invalid, "reference beyond Unicode"),
        ($"<div {X}>&#xD800;</div>", Expect.Invalid, "reference to a surrogate"),
        ($"<div {X}>&#X41;</div>", Expect.Invalid, "upper-case X in a reference"),
        ($"<div {X}>&#x;</div>", Expect.Invalid, "reference without digits"),
        ($"<div {X}>&amp</div>", Expect.Invalid, "reference without semicolon"),
        ($"<div {X}>a & b</div>", Expect.Invalid, "bare ampersand"),
        ($"<!DOCTYPE div><div {X}/>", Expect.Invalid, "DOCTYPE"),
        ("<div xmlns=\"http://www.w3.org/1999/xhtml2\"/>", Expect.Invalid, "wrong namespace"),
        ("<div>x</div>", Expect.Invalid, "missing namespace"),
        ($"<p {X}>x</p>", Expect.Invalid, "root is not a div"),
        ("<h:div xmlns:h=\"urn:other\"/>", Expect.Invalid, "prefixed div in another namespace"),
        ($"<h:div {X}/>", Expect.Invalid, "undeclared prefix"),
        ($"<div {X}><a:b/></div>", Expect.Invalid, "undeclared inner prefix"),
        ($"<div {X} class=x/>", Expect.Invalid, "unquoted attribute"),
        ($"<div {X} class=\"a\" class=\"b\"/>", Expect.Invalid, "duplicate attribute"),
        ($"<div {X} xmlns:a=\"urn:x\" xmlns:b=\"urn:x\" a:c=\"1\" b:c=\"2\"/>", Expect.Invalid, "duplicate expanded attribute name"),
        ($"<div {X} {X}/>", Expect.Invalid, "duplicate namespace declaration"),
        ($"<div {X} xmlns:a=\"\"/>", Expect.Invalid, "empty prefix binding"),
        ($"<div {X} xml:space=\"sometimes\"/>", Expect.Invalid, "bad xml:space"),
        ($"<div {X} title=\"a<b\"/>", Expect.Invalid, "< in an attribute"),
        ($"<div {X} a='1'b='2'/>", Expect.Invalid, "no whitespace between attributes"),
        ($"<div {X} a='1\"/>", Expect.Invalid, "mixed quotes"),
        ($"<div {X}/>text", Expect.Invalid, "text after the root"),
        ($"<div {X}/><div {X}/>", Expect.Invalid, "two roots"),
        ($"text<div {X}/>", Expect.Invalid, "text before the root"),
        ($"<div {X}><p>a]]>b</p></div>", Expect.Invalid, "]]> in text"),
        ($"<div {X}><!-- a -- b --></div>", Expect.Invalid, "double hyphen in a comment"),
        ($"<div {X}><!-- a ---></div>", Expect.Invalid, "hyphen before the comment end"),
        ($"<div {X}><!-- unterminated</div>", Expect.Invalid, "unterminated comment"),
        ($"<div {X}><![CDATA[ unterminated</div>", Expect.Invalid, "unterminated CDATA"),
        ($"<![CDATA[x]]><div {X}/>", Expect.Invalid, "CDATA outside the root"),
        ($"<div {X}>\u0001</div>", Expect.Invalid, "control character"),
        ($"<div {X}>\uD800</div>", Expect.Invalid, "lone surrogate"),
        ($"<div {X}>\uFFFE</div>", Expect.Invalid, "non-character U+FFFE"),
        ($"<div {X}></ div>", Expect.Invalid, "space after </"),
        ($"<div {X}><p/ ></div>", Expect.Invalid, "space inside />"),
        ($"<div {X}><1p/></div>", Expect.Invalid, "name starting with a digit"),
        ($"<div {X}><a:/></div>", Expect.Invalid, "empty local name"),
        ($"\uFEFF<div {X}/>", Expect.Invalid, "byte order mark"),
        ("   ", Expect.Invalid, "whitespace only"),
        ("", Expect.Invalid, "empty"),
    ];

    public static IEnumerable<TestCaseData> FragmentCases() =>
        Fragments.Select(f => new TestCaseData(f.Fragment, f.Expect).SetName($"xhtml: {f.Class} ({f.Expect})"));

    [TestCaseSource(nameof(FragmentCases))]
    public void Fragment(string fragment, Expect expect)
    {
        var reference = PrimitiveRules.CheckXhtml(fragment);
        Assert.That(XhtmlChecker.Check(fragment), Is.EqualTo(reference));
        Assert.That(reference is null, Is.EqualTo(expect != Expect.Invalid), reference ?? "accepted by the reference");
        Assert.That(XhtmlChecker.IsWellFormed(fragment), Is.EqualTo(expect == Expect.Fast), "decided by the scanner");
    }

    [Test]
    public void Agrees_with_the_reference_on_every_example_narrative()
    {
        var narratives = ExampleValues.OfType("xhtml").Distinct().ToList();
        Assert.That(narratives, Has.Count.GreaterThan(500));
        var fast = 0;
        var invalid = 0;
        var disagreements = new List<string>();
        var slowValid = new List<string>();
        foreach (var div in narratives)
        {
            var reference = PrimitiveRules.CheckXhtml(div);
            if (reference is not null) invalid++;
            if (XhtmlChecker.Check(div) != reference) disagreements.Add(div);
            if (XhtmlChecker.IsWellFormed(div)) fast++;
            else if (reference is null) slowValid.Add(div);
        }
        TestContext.Out.WriteLine($"{narratives.Count} distinct narratives: {fast} decided by the scanner, {slowValid.Count} valid ones left to the reference, {invalid} invalid");
        Assert.That(disagreements, Is.Empty);
        // The point of the scanner: the examples' narratives should not need the XmlReader.
        Assert.That(slowValid.Count, Is.LessThanOrEqualTo(narratives.Count / 100), string.Join("\n---\n", slowValid.Take(3)));
    }

    // Random damage to real narratives (seeded): whenever the scanner says "well-formed", the reference must agree.
    [Test]
    public void Scanner_never_accepts_what_the_reference_refuses_on_mutated_narratives()
    {
        string[] tokens =
        [
            "<", ">", "/", "&", ";", "#", "x", "'", "\"", "=", "!", "-", "[", "]", ":", " ", "\n", "\u00A0", "\u0001", "\uD800",
            "&nbsp;", "&#0;", "&#x41;", "<!--", "-->", "--", "]]>", "<![CDATA[", "<p>", "</p>", "<br/>", " a='1'", " h:a='1'",
            " xmlns:h=\"urn:h\"", " xmlns=\"\"", "<?pi?>", "<!DOCTYPE x>", "h:",
        ];
        var random = new Random(2024);
        var seeds = ExampleValues.OfType("xhtml").Distinct().Where(v => v.Length < 4000).Take(400)
            .Concat(Fragments.Select(f => f.Fragment)).ToList();
        var accepted = 0;
        var compared = 0;
        var wrong = new List<string>();
        foreach (var seed in seeds)
        {
            for (var n = 0; n < 25; n++)
            {
                var value = seed;
                for (var e = random.Next(1, 3); e > 0; e--)
                {
                    var at = random.Next(value.Length + 1);
                    value = random.Next(3) switch
                    {
                        0 when at < value.Length => value.Remove(at, Math.Min(value.Length - at, 1 + random.Next(4))),
                        _ => value.Insert(at, tokens[random.Next(tokens.Length)]),
                    };
                }
                compared++;
                var reference = PrimitiveRules.CheckXhtml(value);
                if (XhtmlChecker.IsWellFormed(value))
                {
                    accepted++;
                    if (reference is not null) wrong.Add(value);
                }
                if (XhtmlChecker.Check(value) != reference) wrong.Add(value);
            }
        }
        TestContext.Out.WriteLine($"{compared} mutated narratives, {accepted} accepted by the scanner");
        Assert.That(wrong, Is.Empty, string.Join("\n---\n", wrong.Take(3)));
    }

    [Test]
    public void An_HTML_named_entity_is_refused_as_an_invalid_entity_when_it_is_the_only_fault()
    {
        Assert.Multiple(() =>
        {
            Assert.That(PrimitiveRules.CheckXhtml($"<div {X}><p>Acme&reg; &nbsp;x &amp; y</p></div>"), Is.EqualTo("Invalid entity in the XHTML ('&reg;')"));
            Assert.That(XhtmlChecker.Check($"<div {X}><p>Acme&reg;</p></div>"), Is.EqualTo("Invalid entity in the XHTML ('&reg;')"));
            // Any other fault keeps the general message.
            Assert.That(PrimitiveRules.CheckXhtml($"<div {X}><p>Acme&reg;</div>"), Does.StartWith("The narrative is not well-formed XHTML"));
            Assert.That(PrimitiveRules.CheckXhtml($"<div {X}>&unknown;</div>"), Does.StartWith("The narrative is not well-formed XHTML"));
        });
    }

    [Test]
    public void Entities_are_replaced_by_character_references()
    {
        Assert.That(XhtmlEntities.Replace("a&reg;b&amp;&lt;&eacute;&#65;&zz;", out var first), Is.EqualTo("a&#174;b&amp;&lt;&#233;&#65;&zz;"));
        Assert.That(first, Is.EqualTo("&reg;"));
        Assert.That(XhtmlEntities.Replace("plain &amp; &#160;", out first), Is.Null);
        Assert.That(first, Is.Null);
    }
}
