//! The YAML shown in the README and the model reference is valid and checks.

fn yaml_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

fn assert_models_check(name: &str, markdown: &str) {
    let blocks: Vec<String> = yaml_blocks(markdown).into_iter().filter(|b| b.contains("components:")).collect();
    assert!(!blocks.is_empty(), "{name} shows no model");
    for block in blocks {
        let source = ninecheck::source::SourceFile::new(name, block.as_str());
        if let Err(diagnostics) = ninecheck::check_source(&source, "2026-12-03") {
            panic!(
                "a model in {name} is rejected:\n{}",
                ninecheck::render::human::diagnostics(&source, &diagnostics, false)
            );
        }
    }
}

#[test]
fn readme_model_checks() {
    assert_models_check("README.md", include_str!("../README.md"));
}

#[test]
fn model_reference_checks() {
    assert_models_check("docs/model.md", include_str!("../docs/model.md"));
}

#[test]
fn latency_reference_checks() {
    assert_models_check("docs/latency.md", include_str!("../docs/latency.md"));
}
