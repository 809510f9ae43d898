# Included from tests/CMakeLists.txt with EXPECT (the checker script) and ATMAN_EXE set.
# Each test: name, expected exit code, regex over the output, then the command.
function(atman_cli_test name rc regex)
  add_test(NAME cli_${name} COMMAND ${EXPECT} ${rc} ${regex} ${ARGN})
  set_tests_properties(cli_${name} PROPERTIES LABELS cli)
endfunction()

set(DATA ${CMAKE_CURRENT_SOURCE_DIR}/data)
set(LILY "Once upon a time, there was a little girl named Lily.")

atman_cli_test(generate_known_good 0 "She loved to play outside"
  --stdout-file ${DATA}/stories260K_lily_60.txt -- ${ATMAN_EXE} generate --prompt ${LILY} --max-new-tokens 60)
atman_cli_test(help_shows_defaults 0 "max-new-tokens.*60" -- ${ATMAN_EXE} generate --help)
atman_cli_test(doctor_reports_openblas 0 "BLAS \\(sgemm_\\): +[^ ]*openblas" -- ${ATMAN_EXE} doctor)
atman_cli_test(usage_error_exits_2 2 "--no-such-flag" -- ${ATMAN_EXE} generate --prompt hi --no-such-flag)
atman_cli_test(missing_subcommand_exits_2 2 "subcommand" -- ${ATMAN_EXE})
atman_cli_test(missing_model_dir 1 "error: loading model '/nonexistent/model'.*does not exist"
  -- ${ATMAN_EXE} generate --model /nonexistent/model --prompt hi)
atman_cli_test(model_from_environment 1 "error: loading model '/from/env'"
  -- env ATMAN_MODEL=/from/env ${ATMAN_EXE} generate --prompt hi)
atman_cli_test(broken_model 1 "error: .*broken_model/model.safetensors: truncated"
  -- ${ATMAN_EXE} generate --model ${DATA}/broken_model --prompt hi)
atman_cli_test(convert_missing_checkpoint 2 "checkpoint.*/nonexistent.bin"
  -- ${ATMAN_EXE} convert-llama2c --checkpoint /nonexistent.bin --tokenizer ${DATA}/broken_model/tokenizer.model --out /tmp/x)
atman_cli_test(convert_rejects_non_llama2c_file 1 "error: .*tokenizer.model: implausible llama2.c header"
  -- ${ATMAN_EXE} convert-llama2c --checkpoint ${DATA}/broken_model/tokenizer.model --tokenizer ${DATA}/broken_model/tokenizer.model --out ${CMAKE_CURRENT_BINARY_DIR}/never_written)
# 600 repetitions of " Lily" are over the 512 positions of stories260K.
string(REPEAT " Lily" 600 LONG_PROMPT)
atman_cli_test(prompt_too_long 1 "error: prompt is [0-9]+ tokens, longer than the model's max_position_embeddings \\(512\\)"
  -- ${ATMAN_EXE} generate --prompt ${LONG_PROMPT})
